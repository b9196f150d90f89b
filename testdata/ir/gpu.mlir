// gpu: a container module whose gpu.module holds two kernels (every id op, a bounds check
// with cf, a barrier, warp shuffles, workgroup and private memory) and a device function; the
// host launches them with gpu.launch_func (index and i32 sizes, dynamic shared memory) and
// runs a gpu.launch region with workgroup and private attributions.
// RUN: strata-opt %s | strata-opt
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // y[i] = a * x[i] + y[i] for i < n, one thread per element.
    gpu.func @saxpy(%a: f32, %x: memref<1024xf32>, %y: memref<1024xf32>, %n: index) kernel {
      %tid = gpu.thread_id x
      %bid = gpu.block_id x
      %bdim = gpu.block_dim x
      %base = arith.muli %bid, %bdim : index
      %i = arith.addi %base, %tid : index
      %inside = arith.cmpi ult, %i, %n : index
      cf.cond_br %inside, ^body, ^done
    ^body:
      %xi = memref.load %x[%i] : memref<1024xf32>
      %yi = memref.load %y[%i] : memref<1024xf32>
      %r = func.call @fma(%a, %xi, %yi) : (f32, f32, f32) -> f32
      memref.store %r, %y[%i] : memref<1024xf32>
      cf.br ^done
    ^done:
      gpu.return
    }
    // out[block] = the sum of the block's 256 elements: shuffles within each warp, the warps'
    // sums through workgroup memory, the first warp adds them up.
    gpu.func @block_sum(%x: memref<1024xf32>, %out: memref<4xf32>) workgroup(%partial : memref<8xf32, #gpu.address_space<workgroup>>) private(%scratch : memref<1xf32, #gpu.address_space<private>>) kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c32 = arith.constant 32 : index
      %w32 = arith.constant 32 : i32
      %o16 = arith.constant 16 : i32
      %o8 = arith.constant 8 : i32
      %o1 = arith.constant 1 : i32
      %gid = gpu.global_id x
      %tid = gpu.thread_id x upper_bound 256
      %ty = gpu.thread_id y
      %tz = gpu.thread_id z
      %bid = gpu.block_id x
      %by = gpu.block_id y
      %bz = gpu.block_id z
      %gdim = gpu.grid_dim x
      %gy = gpu.grid_dim y
      %bdz = gpu.block_dim z
      %lane = gpu.lane_id upper_bound 32
      %v = memref.load %x[%gid] : memref<1024xf32>
      %s16, %ok16 = gpu.shuffle xor %v, %o16, %w32 : f32
      %v16 = arith.addf %v, %s16 : f32
      %s8, %ok8 = gpu.shuffle down %v16, %o8, %w32 : f32
      %v8 = arith.addf %v16, %s8 : f32
      %s1, %ok1 = gpu.shuffle up %v8, %o1, %w32 : f32
      %sum, %ok = gpu.shuffle idx %s1, %o1, %w32 : f32
      memref.store %sum, %scratch[%c0] : memref<1xf32, #gpu.address_space<private>>
      %warp = arith.divui %tid, %c32 : index
      memref.store %sum, %partial[%warp] : memref<8xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %first = arith.cmpi eq, %tid, %c0 : index
      cf.cond_br %first, ^write, ^done
    ^write:
      %p0 = memref.load %partial[%lane] : memref<8xf32, #gpu.address_space<workgroup>>
      memref.store %p0, %out[%bid] : memref<4xf32>
      cf.br ^done
    ^done:
      gpu.return
    }
    // A device function: callable from kernels, not launched.
    func.func @fma(%a: f32, %b: f32, %c: f32) -> f32 {
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %p, %c : f32
      return %s : f32
    }
    gpu.func @clamp(%v: f32, %hi: f32) -> f32 {
      %m = arith.minimumf %v, %hi : f32
      gpu.return %m : f32
    }
  }
  func.func @host(%a: f32, %x: memref<1024xf32>, %y: memref<1024xf32>, %out: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c256 = arith.constant 256 : index
    %c1024 = arith.constant 1024 : index
    %smem = arith.constant 0 : i32
    %one = arith.constant 1 : i32
    %four = arith.constant 4 : i32
    %threads = arith.constant 256 : i32
    gpu.launch_func @kernels::@saxpy blocks in (%c4, %c1, %c1) threads in (%c256, %c1, %c1) args(%a : f32, %x : memref<1024xf32>, %y : memref<1024xf32>, %c1024 : index)
    gpu.launch_func @kernels::@saxpy blocks in (%four, %one, %one) threads in (%threads, %one, %one) : i32 args(%a : f32, %x : memref<1024xf32>, %y : memref<1024xf32>, %c1024 : index)
    gpu.launch_func @kernels::@block_sum blocks in (%c4, %c1, %c1) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %smem args(%x : memref<1024xf32>, %out : memref<4xf32>)
    // The same reduction's first step written in place: x[i] staged through workgroup memory.
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) workgroup(%tile : memref<256xf32, 3>) private(%acc : memref<1xf32, 5>) {
      %row = arith.muli %bx, %sx : index
      %i = arith.addi %row, %tx : index
      %v = memref.load %x[%i] : memref<1024xf32>
      memref.store %v, %tile[%tx] : memref<256xf32, 3>
      gpu.barrier
      %t = memref.load %tile[%tx] : memref<256xf32, 3>
      memref.store %t, %acc[%ty] : memref<1xf32, 5>
      gpu.terminator
    }
    return
  }
}

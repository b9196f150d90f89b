func.func @resnet18(%input: tensor<1x3x224x224xf32>) -> (tensor<1x1000xf32>) {
  %0 = "nn.constant"() {value = dense<9.278844e-2> : tensor<64x3x7x7xf32>} : () -> tensor<64x3x7x7xf32>
  %1 = "nn.conv2d"(%input, %0) {strides = [2, 2], padding = [3, 3, 3, 3]} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
  %2 = "nn.constant"() {value = dense<1.250000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %3 = "nn.constant"() {value = dense<1.375000e-1> : tensor<64xf32>} : () -> tensor<64xf32>
  %4 = "nn.constant"() {value = dense<7.500000e-2> : tensor<64xf32>} : () -> tensor<64xf32>
  %5 = "nn.constant"() {value = dense<1.625000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %6 = "nn.batch_norm"(%1, %2, %3, %4, %5) {epsilon = 1.0e-05 : f32} : (tensor<1x64x112x112xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %7 = "nn.relu"(%6) : (tensor<1x64x112x112xf32>) -> tensor<1x64x112x112xf32>
  %8 = "nn.max_pool2d"(%7) {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  %9 = "nn.constant"() {value = dense<7.291667e-2> : tensor<64x64x3x3xf32>} : () -> tensor<64x64x3x3xf32>
  %10 = "nn.conv2d"(%8, %9) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %11 = "nn.constant"() {value = dense<1.000000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %12 = "nn.constant"() {value = dense<1.125000e-1> : tensor<64xf32>} : () -> tensor<64xf32>
  %13 = "nn.constant"() {value = dense<6.250000e-2> : tensor<64xf32>} : () -> tensor<64xf32>
  %14 = "nn.constant"() {value = dense<1.375000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %15 = "nn.batch_norm"(%10, %11, %12, %13, %14) {epsilon = 1.0e-05 : f32} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %16 = "nn.relu"(%15) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %17 = "nn.constant"() {value = dense<6.250000e-2> : tensor<64x64x3x3xf32>} : () -> tensor<64x64x3x3xf32>
  %18 = "nn.conv2d"(%16, %17) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %19 = "nn.constant"() {value = dense<1.625000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %20 = "nn.constant"() {value = dense<1.750000e-1> : tensor<64xf32>} : () -> tensor<64xf32>
  %21 = "nn.constant"() {value = dense<5.000000e-2> : tensor<64xf32>} : () -> tensor<64xf32>
  %22 = "nn.constant"() {value = dense<1.125000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %23 = "nn.batch_norm"(%18, %19, %20, %21, %22) {epsilon = 1.0e-05 : f32} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %24 = "nn.add"(%23, %8) : (tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %25 = "nn.relu"(%24) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %26 = "nn.constant"() {value = dense<5.208333e-2> : tensor<64x64x3x3xf32>} : () -> tensor<64x64x3x3xf32>
  %27 = "nn.conv2d"(%25, %26) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %28 = "nn.constant"() {value = dense<1.375000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %29 = "nn.constant"() {value = dense<1.500000e-1> : tensor<64xf32>} : () -> tensor<64xf32>
  %30 = "nn.constant"() {value = dense<8.125000e-2> : tensor<64xf32>} : () -> tensor<64xf32>
  %31 = "nn.constant"() {value = dense<1.750000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %32 = "nn.batch_norm"(%27, %28, %29, %30, %31) {epsilon = 1.0e-05 : f32} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %33 = "nn.relu"(%32) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %34 = "nn.constant"() {value = dense<4.166667e-2> : tensor<64x64x3x3xf32>} : () -> tensor<64x64x3x3xf32>
  %35 = "nn.conv2d"(%33, %34) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %36 = "nn.constant"() {value = dense<1.125000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %37 = "nn.constant"() {value = dense<1.250000e-1> : tensor<64xf32>} : () -> tensor<64xf32>
  %38 = "nn.constant"() {value = dense<6.875000e-2> : tensor<64xf32>} : () -> tensor<64xf32>
  %39 = "nn.constant"() {value = dense<1.500000e0> : tensor<64xf32>} : () -> tensor<64xf32>
  %40 = "nn.batch_norm"(%35, %36, %37, %38, %39) {epsilon = 1.0e-05 : f32} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %41 = "nn.add"(%40, %25) : (tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %42 = "nn.relu"(%41) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %43 = "nn.constant"() {value = dense<6.770833e-2> : tensor<128x64x3x3xf32>} : () -> tensor<128x64x3x3xf32>
  %44 = "nn.conv2d"(%42, %43) {strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<128x64x3x3xf32>) -> tensor<1x128x28x28xf32>
  %45 = "nn.constant"() {value = dense<1.750000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %46 = "nn.constant"() {value = dense<1.000000e-1> : tensor<128xf32>} : () -> tensor<128xf32>
  %47 = "nn.constant"() {value = dense<5.625000e-2> : tensor<128xf32>} : () -> tensor<128xf32>
  %48 = "nn.constant"() {value = dense<1.250000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %49 = "nn.batch_norm"(%44, %45, %46, %47, %48) {epsilon = 1.0e-05 : f32} : (tensor<1x128x28x28xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<1x128x28x28xf32>
  %50 = "nn.relu"(%49) : (tensor<1x128x28x28xf32>) -> tensor<1x128x28x28xf32>
  %51 = "nn.constant"() {value = dense<4.051133e-2> : tensor<128x128x3x3xf32>} : () -> tensor<128x128x3x3xf32>
  %52 = "nn.conv2d"(%50, %51) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x128x28x28xf32>, tensor<128x128x3x3xf32>) -> tensor<1x128x28x28xf32>
  %53 = "nn.constant"() {value = dense<1.500000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %54 = "nn.constant"() {value = dense<1.625000e-1> : tensor<128xf32>} : () -> tensor<128xf32>
  %55 = "nn.constant"() {value = dense<8.750000e-2> : tensor<128xf32>} : () -> tensor<128xf32>
  %56 = "nn.constant"() {value = dense<1.000000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %57 = "nn.batch_norm"(%52, %53, %54, %55, %56) {epsilon = 1.0e-05 : f32} : (tensor<1x128x28x28xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<1x128x28x28xf32>
  %58 = "nn.constant"() {value = dense<1.406250e-1> : tensor<128x64x1x1xf32>} : () -> tensor<128x64x1x1xf32>
  %59 = "nn.conv2d"(%42, %58) {strides = [2, 2], padding = [0, 0, 0, 0]} : (tensor<1x64x56x56xf32>, tensor<128x64x1x1xf32>) -> tensor<1x128x28x28xf32>
  %60 = "nn.constant"() {value = dense<1.250000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %61 = "nn.constant"() {value = dense<1.375000e-1> : tensor<128xf32>} : () -> tensor<128xf32>
  %62 = "nn.constant"() {value = dense<7.500000e-2> : tensor<128xf32>} : () -> tensor<128xf32>
  %63 = "nn.constant"() {value = dense<1.625000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %64 = "nn.batch_norm"(%59, %60, %61, %62, %63) {epsilon = 1.0e-05 : f32} : (tensor<1x128x28x28xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<1x128x28x28xf32>
  %65 = "nn.add"(%57, %64) : (tensor<1x128x28x28xf32>, tensor<1x128x28x28xf32>) -> tensor<1x128x28x28xf32>
  %66 = "nn.relu"(%65) : (tensor<1x128x28x28xf32>) -> tensor<1x128x28x28xf32>
  %67 = "nn.constant"() {value = dense<5.155987e-2> : tensor<128x128x3x3xf32>} : () -> tensor<128x128x3x3xf32>
  %68 = "nn.conv2d"(%66, %67) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x128x28x28xf32>, tensor<128x128x3x3xf32>) -> tensor<1x128x28x28xf32>
  %69 = "nn.constant"() {value = dense<1.000000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %70 = "nn.constant"() {value = dense<1.125000e-1> : tensor<128xf32>} : () -> tensor<128xf32>
  %71 = "nn.constant"() {value = dense<6.250000e-2> : tensor<128xf32>} : () -> tensor<128xf32>
  %72 = "nn.constant"() {value = dense<1.375000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %73 = "nn.batch_norm"(%68, %69, %70, %71, %72) {epsilon = 1.0e-05 : f32} : (tensor<1x128x28x28xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<1x128x28x28xf32>
  %74 = "nn.relu"(%73) : (tensor<1x128x28x28xf32>) -> tensor<1x128x28x28xf32>
  %75 = "nn.constant"() {value = dense<4.419417e-2> : tensor<128x128x3x3xf32>} : () -> tensor<128x128x3x3xf32>
  %76 = "nn.conv2d"(%74, %75) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x128x28x28xf32>, tensor<128x128x3x3xf32>) -> tensor<1x128x28x28xf32>
  %77 = "nn.constant"() {value = dense<1.625000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %78 = "nn.constant"() {value = dense<1.750000e-1> : tensor<128xf32>} : () -> tensor<128xf32>
  %79 = "nn.constant"() {value = dense<5.000000e-2> : tensor<128xf32>} : () -> tensor<128xf32>
  %80 = "nn.constant"() {value = dense<1.125000e0> : tensor<128xf32>} : () -> tensor<128xf32>
  %81 = "nn.batch_norm"(%76, %77, %78, %79, %80) {epsilon = 1.0e-05 : f32} : (tensor<1x128x28x28xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<1x128x28x28xf32>
  %82 = "nn.add"(%81, %66) : (tensor<1x128x28x28xf32>, tensor<1x128x28x28xf32>) -> tensor<1x128x28x28xf32>
  %83 = "nn.relu"(%82) : (tensor<1x128x28x28xf32>) -> tensor<1x128x28x28xf32>
  %84 = "nn.constant"() {value = dense<3.682848e-2> : tensor<256x128x3x3xf32>} : () -> tensor<256x128x3x3xf32>
  %85 = "nn.conv2d"(%83, %84) {strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<1x128x28x28xf32>, tensor<256x128x3x3xf32>) -> tensor<1x256x14x14xf32>
  %86 = "nn.constant"() {value = dense<1.375000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %87 = "nn.constant"() {value = dense<1.500000e-1> : tensor<256xf32>} : () -> tensor<256xf32>
  %88 = "nn.constant"() {value = dense<8.125000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %89 = "nn.constant"() {value = dense<1.750000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %90 = "nn.batch_norm"(%85, %86, %87, %88, %89) {epsilon = 1.0e-05 : f32} : (tensor<1x256x14x14xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x256x14x14xf32>
  %91 = "nn.relu"(%90) : (tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
  %92 = "nn.constant"() {value = dense<2.083333e-2> : tensor<256x256x3x3xf32>} : () -> tensor<256x256x3x3xf32>
  %93 = "nn.conv2d"(%91, %92) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x256x14x14xf32>, tensor<256x256x3x3xf32>) -> tensor<1x256x14x14xf32>
  %94 = "nn.constant"() {value = dense<1.125000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %95 = "nn.constant"() {value = dense<1.250000e-1> : tensor<256xf32>} : () -> tensor<256xf32>
  %96 = "nn.constant"() {value = dense<6.875000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %97 = "nn.constant"() {value = dense<1.500000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %98 = "nn.batch_norm"(%93, %94, %95, %96, %97) {epsilon = 1.0e-05 : f32} : (tensor<1x256x14x14xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x256x14x14xf32>
  %99 = "nn.constant"() {value = dense<1.436311e-1> : tensor<256x128x1x1xf32>} : () -> tensor<256x128x1x1xf32>
  %100 = "nn.conv2d"(%83, %99) {strides = [2, 2], padding = [0, 0, 0, 0]} : (tensor<1x128x28x28xf32>, tensor<256x128x1x1xf32>) -> tensor<1x256x14x14xf32>
  %101 = "nn.constant"() {value = dense<1.750000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %102 = "nn.constant"() {value = dense<1.000000e-1> : tensor<256xf32>} : () -> tensor<256xf32>
  %103 = "nn.constant"() {value = dense<5.625000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %104 = "nn.constant"() {value = dense<1.250000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %105 = "nn.batch_norm"(%100, %101, %102, %103, %104) {epsilon = 1.0e-05 : f32} : (tensor<1x256x14x14xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x256x14x14xf32>
  %106 = "nn.add"(%98, %105) : (tensor<1x256x14x14xf32>, tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
  %107 = "nn.relu"(%106) : (tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
  %108 = "nn.constant"() {value = dense<2.864583e-2> : tensor<256x256x3x3xf32>} : () -> tensor<256x256x3x3xf32>
  %109 = "nn.conv2d"(%107, %108) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x256x14x14xf32>, tensor<256x256x3x3xf32>) -> tensor<1x256x14x14xf32>
  %110 = "nn.constant"() {value = dense<1.500000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %111 = "nn.constant"() {value = dense<1.625000e-1> : tensor<256xf32>} : () -> tensor<256xf32>
  %112 = "nn.constant"() {value = dense<8.750000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %113 = "nn.constant"() {value = dense<1.000000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %114 = "nn.batch_norm"(%109, %110, %111, %112, %113) {epsilon = 1.0e-05 : f32} : (tensor<1x256x14x14xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x256x14x14xf32>
  %115 = "nn.relu"(%114) : (tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
  %116 = "nn.constant"() {value = dense<2.343750e-2> : tensor<256x256x3x3xf32>} : () -> tensor<256x256x3x3xf32>
  %117 = "nn.conv2d"(%115, %116) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x256x14x14xf32>, tensor<256x256x3x3xf32>) -> tensor<1x256x14x14xf32>
  %118 = "nn.constant"() {value = dense<1.250000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %119 = "nn.constant"() {value = dense<1.375000e-1> : tensor<256xf32>} : () -> tensor<256xf32>
  %120 = "nn.constant"() {value = dense<7.500000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %121 = "nn.constant"() {value = dense<1.625000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %122 = "nn.batch_norm"(%117, %118, %119, %120, %121) {epsilon = 1.0e-05 : f32} : (tensor<1x256x14x14xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x256x14x14xf32>
  %123 = "nn.add"(%122, %107) : (tensor<1x256x14x14xf32>, tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
  %124 = "nn.relu"(%123) : (tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
  %125 = "nn.constant"() {value = dense<3.645833e-2> : tensor<512x256x3x3xf32>} : () -> tensor<512x256x3x3xf32>
  %126 = "nn.conv2d"(%124, %125) {strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<1x256x14x14xf32>, tensor<512x256x3x3xf32>) -> tensor<1x512x7x7xf32>
  %127 = "nn.constant"() {value = dense<1.000000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %128 = "nn.constant"() {value = dense<1.125000e-1> : tensor<512xf32>} : () -> tensor<512xf32>
  %129 = "nn.constant"() {value = dense<6.250000e-2> : tensor<512xf32>} : () -> tensor<512xf32>
  %130 = "nn.constant"() {value = dense<1.375000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %131 = "nn.batch_norm"(%126, %127, %128, %129, %130) {epsilon = 1.0e-05 : f32} : (tensor<1x512x7x7xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<1x512x7x7xf32>
  %132 = "nn.relu"(%131) : (tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %133 = "nn.constant"() {value = dense<2.209709e-2> : tensor<512x512x3x3xf32>} : () -> tensor<512x512x3x3xf32>
  %134 = "nn.conv2d"(%132, %133) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x512x7x7xf32>, tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32>
  %135 = "nn.constant"() {value = dense<1.625000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %136 = "nn.constant"() {value = dense<1.750000e-1> : tensor<512xf32>} : () -> tensor<512xf32>
  %137 = "nn.constant"() {value = dense<5.000000e-2> : tensor<512xf32>} : () -> tensor<512xf32>
  %138 = "nn.constant"() {value = dense<1.125000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %139 = "nn.batch_norm"(%134, %135, %136, %137, %138) {epsilon = 1.0e-05 : f32} : (tensor<1x512x7x7xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<1x512x7x7xf32>
  %140 = "nn.constant"() {value = dense<7.812500e-2> : tensor<512x256x1x1xf32>} : () -> tensor<512x256x1x1xf32>
  %141 = "nn.conv2d"(%124, %140) {strides = [2, 2], padding = [0, 0, 0, 0]} : (tensor<1x256x14x14xf32>, tensor<512x256x1x1xf32>) -> tensor<1x512x7x7xf32>
  %142 = "nn.constant"() {value = dense<1.375000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %143 = "nn.constant"() {value = dense<1.500000e-1> : tensor<512xf32>} : () -> tensor<512xf32>
  %144 = "nn.constant"() {value = dense<8.125000e-2> : tensor<512xf32>} : () -> tensor<512xf32>
  %145 = "nn.constant"() {value = dense<1.750000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %146 = "nn.batch_norm"(%141, %142, %143, %144, %145) {epsilon = 1.0e-05 : f32} : (tensor<1x512x7x7xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<1x512x7x7xf32>
  %147 = "nn.add"(%139, %146) : (tensor<1x512x7x7xf32>, tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %148 = "nn.relu"(%147) : (tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %149 = "nn.constant"() {value = dense<1.473139e-2> : tensor<512x512x3x3xf32>} : () -> tensor<512x512x3x3xf32>
  %150 = "nn.conv2d"(%148, %149) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x512x7x7xf32>, tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32>
  %151 = "nn.constant"() {value = dense<1.125000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %152 = "nn.constant"() {value = dense<1.250000e-1> : tensor<512xf32>} : () -> tensor<512xf32>
  %153 = "nn.constant"() {value = dense<6.875000e-2> : tensor<512xf32>} : () -> tensor<512xf32>
  %154 = "nn.constant"() {value = dense<1.500000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %155 = "nn.batch_norm"(%150, %151, %152, %153, %154) {epsilon = 1.0e-05 : f32} : (tensor<1x512x7x7xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<1x512x7x7xf32>
  %156 = "nn.relu"(%155) : (tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %157 = "nn.constant"() {value = dense<2.393851e-2> : tensor<512x512x3x3xf32>} : () -> tensor<512x512x3x3xf32>
  %158 = "nn.conv2d"(%156, %157) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x512x7x7xf32>, tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32>
  %159 = "nn.constant"() {value = dense<1.750000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %160 = "nn.constant"() {value = dense<1.000000e-1> : tensor<512xf32>} : () -> tensor<512xf32>
  %161 = "nn.constant"() {value = dense<5.625000e-2> : tensor<512xf32>} : () -> tensor<512xf32>
  %162 = "nn.constant"() {value = dense<1.250000e0> : tensor<512xf32>} : () -> tensor<512xf32>
  %163 = "nn.batch_norm"(%158, %159, %160, %161, %162) {epsilon = 1.0e-05 : f32} : (tensor<1x512x7x7xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>) -> tensor<1x512x7x7xf32>
  %164 = "nn.add"(%163, %148) : (tensor<1x512x7x7xf32>, tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %165 = "nn.relu"(%164) : (tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %166 = "nn.global_avg_pool2d"(%165) : (tensor<1x512x7x7xf32>) -> tensor<1x512x1x1xf32>
  %167 = "nn.reshape"(%166) {shape = [1, 512]} : (tensor<1x512x1x1xf32>) -> tensor<1x512xf32>
  %168 = "nn.constant"() {value = dense<6.076699e-2> : tensor<512x1000xf32>} : () -> tensor<512x1000xf32>
  %169 = "nn.constant"() {value = dense<1.500000e-2> : tensor<1000xf32>} : () -> tensor<1000xf32>
  %170 = "nn.matmul"(%167, %168) : (tensor<1x512xf32>, tensor<512x1000xf32>) -> tensor<1x1000xf32>
  %171 = "nn.add"(%170, %169) : (tensor<1x1000xf32>, tensor<1000xf32>) -> tensor<1x1000xf32>
  return %171 : tensor<1x1000xf32>
}

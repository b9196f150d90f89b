/* Links an object from strata-translate and calls it through its header (testdata/codegen/c-abi.mlir). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "c_abi.h"

/* A driver may run parallel loops serially. */
void __strata_parallel_for(void (*body)(const void *, int64_t, int64_t), const void *ctx, int64_t n) {
  body(ctx, 0, n);
}

int main(void) {
  float x[5 * 7], b[7];
  for (int i = 0; i < 5 * 7; i++) x[i] = (float)((i * 37) % 23) / 11.0f - 1.0f;
  for (int j = 0; j < 7; j++) b[j] = 0.25f * (float)j - 0.5f;
  strata_memref_2d_f32 X = {x, x, 0, {5, 7}, {7, 1}};
  strata_memref_1d_f32 B = {b, b, 0, {7}, {1}};
  strata_memref_2d_f32 Y;
  int32_t status = c_abi_add_relu_tanh(&X, &B, &Y);
  if (status != 0) { printf("status %d\n", status); return 1; }
  double worst = 0;
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 7; j++) {
      float v = x[i * 7 + j] + b[j];
      double want = tanh(v > 0 ? v : 0);
      double e = fabs(Y.aligned[Y.offset + i * Y.strides[0] + j * Y.strides[1]] - want);
      if (e > worst) worst = e;
    }
  printf("add_relu_tanh: worst error %s 1e-6, result %s\n", worst <= 1e-6 ? "<=" : ">", Y.allocated ? "owned" : "in the arena");
  /* A result allocated by the call belongs to the caller. */
  strata_memref_1d_f32 S;
  if (c_abi_row_sums(&X, &S) != 0) return 1;
  double worst_sum = 0;
  for (int i = 0; i < 5; i++) {
    double want = 0;
    for (int j = 0; j < 7; j++) want += x[i * 7 + j];
    double e = fabs(S.aligned[S.offset + i] - want);
    if (e > worst_sum) worst_sum = e;
  }
  printf("row_sums: worst error %s 1e-5, result %s\n", worst_sum <= 1e-5 ? "<=" : ">", S.allocated ? "owned" : "in the arena");
  if (S.allocated) free(S.allocated);
  /* Sizes other than the compiled ones are refused: status k + 1 for argument k. */
  strata_memref_2d_f32 bad = {x, x, 0, {7, 5}, {5, 1}};
  printf("wrong shape: status %d\n", c_abi_add_relu_tanh(&bad, &B, &Y));
  strata_memref_2d_f32 strided = {x, x, 0, {5, 7}, {14, 1}};
  printf("wrong strides: status %d\n", c_abi_row_sums(&strided, &S));
  return 0;
}

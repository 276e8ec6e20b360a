// Finite-difference cases for conv2d: dense, grouped, strided, depthwise, 1x1 (both the
// pointwise GEMM path and strided im2col), and CBAM's 7x7 2->1 spatial conv.
#include "tests/cases/gemm_conv_cases.h"

using kdtest::conv_case;

KD_OP_CASES({
    conv_case("dense_k3_p1_bias", {2, 3, 5, 5}, 4, 3, {1, 1, 1}, true),
    // 1400 filters of 3x3: the input gradient's filter slice (1400 x 9 floats) is past 48 KiB
    // of shared memory, so the CUDA dx kernel reads it from global memory instead.
    conv_case("dense_k3_o1400_dx_filter_global", {1, 1, 2, 2}, 1400, 3, {1, 1, 1}, false),
    conv_case("dense_k3_p1_rect", {1, 2, 4, 6}, 3, 3, {1, 1, 1}, false),
    conv_case("dense_k3_p0_s2", {2, 3, 7, 6}, 2, 3, {2, 0, 1}, true),
    conv_case("grouped_g4_p1", {2, 8, 5, 5}, 8, 3, {1, 1, 4}, true),
    conv_case("grouped_g4_p1_nobias", {1, 8, 4, 5}, 4, 3, {1, 1, 4}, false),
    conv_case("grouped_g2_s2", {2, 8, 7, 7}, 4, 3, {2, 1, 2}, false),
    conv_case("grouped_g4_s2_bias", {2, 8, 6, 6}, 8, 3, {2, 1, 4}, true),
    conv_case("depthwise_k3_p1", {2, 4, 6, 6}, 4, 3, {1, 1, 4}, true),
    conv_case("depthwise_k3_s2_mult2", {2, 4, 7, 7}, 8, 3, {2, 1, 4}, false),
    conv_case("pointwise_1x1", {2, 6, 4, 4}, 5, 1, {1, 0, 1}, true),
    conv_case("pointwise_1x1_g2", {2, 6, 3, 5}, 4, 1, {1, 0, 2}, false),
    conv_case("k1_s2", {2, 6, 5, 5}, 4, 1, {2, 0, 1}, true),
    conv_case("k1_s2_nobias", {2, 6, 6, 6}, 8, 1, {2, 0, 1}, false),
    conv_case("spatial_k7_p3_2to1", {2, 2, 6, 6}, 1, 7, {1, 3, 1}, false),
    conv_case("spatial_k7_p3_2to1_bias", {1, 2, 5, 7}, 1, 7, {1, 3, 1}, true),
    conv_case("kernel_wider_than_input", {1, 2, 3, 3}, 2, 5, {1, 2, 1}, true),
    // A side smaller than the padding (CBAM's 7x7 conv on a 2x2 last stage of a 32x32 input):
    // im2col once wrote past its rows here.
    conv_case("side_smaller_than_pad_k7_p3", {2, 2, 2, 2}, 1, 7, {1, 3, 1}, false),
    conv_case("side_smaller_than_pad_rect", {1, 2, 1, 3}, 2, 7, {1, 3, 1}, true),
});

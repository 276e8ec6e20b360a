// Finite-difference cases for matmul (every transpose combination) and linear.
#include "tests/cases/gemm_conv_cases.h"

using kdtest::linear_case;
using kdtest::matmul_case;

KD_OP_CASES({
    matmul_case(3, 4, 5, false, false),
    matmul_case(3, 4, 5, true, false),
    matmul_case(3, 4, 5, false, true),
    matmul_case(3, 4, 5, true, true),
    matmul_case(1, 7, 2, true, true),
    matmul_case(6, 1, 9, false, true),
    linear_case("n4_in6_out3_bias", 4, 6, 3, true),
    linear_case("n5_in12_out7_nobias", 5, 12, 7, false),
    linear_case("n1_in3_out9_bias", 1, 3, 9, true),
});

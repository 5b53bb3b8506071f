/*  nqtest.h — what every cmocka unit test includes.

    NQ_TEST_MAIN (cmocka_unit_test (a), cmocka_unit_test (b), …) defines main
    with TAP output, which automake's TAP driver counts test by test. */
#ifndef NQ_TEST_H
#define NQ_TEST_H

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#define NQ_TEST_MAIN(...)                                          \
    int main (void)                                                \
    {                                                              \
        const struct CMUnitTest nq_tests_[] = {__VA_ARGS__};       \
        cmocka_set_message_output (CM_OUTPUT_TAP);                 \
        return cmocka_run_group_tests (nq_tests_, NULL, NULL);     \
    }

#endif

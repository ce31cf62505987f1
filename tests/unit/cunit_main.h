/* SPDX-License-Identifier: BSD-3-Clause */
/* One main() for every CUnit test binary: register a suite from a table, run it, fail on any failure. */
#ifndef SLUICE_CUNIT_MAIN_H
#define SLUICE_CUNIT_MAIN_H

#include <CUnit/Basic.h>
#include <stdio.h>

struct sl_cu_test {
	const char *name;
	void (*fn)(void);
};

static inline int sl_cu_run(const char *suite_name, const struct sl_cu_test *tests)
{
	CU_pSuite suite;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite = CU_add_suite(suite_name, NULL, NULL);
	if (!suite)
		return 2;
	for (; tests->name; tests++)
		if (!CU_add_test(suite, tests->name, tests->fn))
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#define SL_CU_MAIN(suite, ...)                                                   \
	int main(void)                                                           \
	{                                                                        \
		static const struct sl_cu_test tests[] = { __VA_ARGS__, { 0, 0 } }; \
		return sl_cu_run(suite, tests);                                  \
	}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-bench-mem: what the flow table costs in memory, from the table's own
 * sizing function (sl_flow_table_mem_size), not from an estimate: bytes per
 * configured entry for flows.entries from 1k to 16M, and the struct sizes
 * behind them. The process footprint of sluiced itself (RSS, hugepages) is
 * measured by bench/suite/sluiced_mem.sh, which runs the daemon.
 *
 * usage: sluice-bench-mem [--csv]
 * exit: 0, 1 if the sizing function refuses a size it should accept, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "flow_table.h"

int main(int argc, char **argv)
{
	static const uint32_t entries[] = { 1024, 65536, 262144, 1048576, 2097152, 16777216 };
	int csv = argc == 2 && strcmp(argv[1], "--csv") == 0;
	size_t i;

	if (argc > 2 || (argc == 2 && !csv)) {
		fprintf(stderr, "usage: sluice-bench-mem [--csv]\n");
		return 2;
	}
	if (csv)
		printf("entries,table_bytes,bytes_per_entry,entry_struct_bytes,bucket_slots\n");
	else
		printf("| flows.entries | table bytes | MiB | bytes per entry | sizeof(struct sl_flow_entry) |\n"
		       "|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		size_t bytes = sl_flow_table_mem_size(entries[i]);

		if (bytes == 0) {
			fprintf(stderr, "sluice-bench-mem: sl_flow_table_mem_size(%u) refused\n", entries[i]);
			return 1;
		}
		if (csv)
			printf("%u,%zu,%.2f,%zu,%d\n", entries[i], bytes, (double)bytes / entries[i],
			       sizeof(struct sl_flow_entry), SL_FLOW_BUCKET_SLOTS);
		else
			printf("| %u | %zu | %.1f | %.2f | %zu |\n", entries[i], bytes, (double)bytes / 1048576.0,
			       (double)bytes / entries[i], sizeof(struct sl_flow_entry));
	}
	return 0;
}

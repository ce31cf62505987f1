/* placeholder: being written */
typedef int sl_placeholder_flow_table;

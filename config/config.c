/* placeholder: being written */
typedef int sl_placeholder_config;

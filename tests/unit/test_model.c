/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-plane model: what a reload or a live change keeps (ids, slots,
 * generations, tables) and what it releases, and the snapshot it produces.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../common/maglev.h"
#include "../../control/model.h"
#include "cunit_main.h"

#define HEAD                                                                                     \
	"dataplane = { ports = ( { device = \"net_null0\"; } ); workers = [ 1 ]; };\n"             \
	"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\"; };\n"

static void load(struct sl_config *c, const char *vips)
{
	char text[4096], err[256] = "";
	int rc;

	snprintf(text, sizeof(text), HEAD "vips = ( %s );\n", vips);
	rc = sl_config_load_string(text, "test", c, err, sizeof(err));
	if (rc)
		fprintf(stderr, "config: %s\n", err);
	CU_ASSERT_FATAL(rc == 0);
}

#define VIP_A(backends) \
	"{ name = \"a\"; address = \"198.18.100.1\"; port = 80; backends = ( " backends " ); }"
#define B(last, w) "{ address = \"198.18.0." #last "\"; weight = " #w "; }"

static void init_model(struct sl_model *m, const char *vips)
{
	struct sl_config c;
	char err[256];

	load(&c, vips);
	CU_ASSERT_FATAL(sl_model_init(m, &c, err, sizeof(err)) == 0);
}

static int apply(struct sl_model *m, const char *vips)
{
	struct sl_config c;
	char err[256];
	int rc;

	load(&c, vips);
	rc = sl_model_apply(m, &c, err, sizeof(err));
	if (rc)
		sl_config_free(&c);
	return rc;
}

static struct sl_dp_state *snap(struct sl_model *m)
{
	char err[256] = "";
	struct sl_dp_state *s = sl_model_snapshot(m, 1, NULL, NULL, err, sizeof(err));

	if (!s)
		fprintf(stderr, "snapshot: %s\n", err);
	CU_ASSERT_FATAL(s != NULL);
	return s;
}

static void test_reload_keeps_identity(void)
{
	struct sl_model m;
	uint32_t vid, id11, id12, id13;

	init_model(&m, VIP_A(B(11, 100) "," B(12, 100) "," B(13, 100)));
	vid = m.vips[0].id;
	id11 = m.vips[0].slots[0].id;
	id12 = m.vips[0].slots[1].id;
	id13 = m.vips[0].slots[2].id;
	CU_ASSERT(id11 != id12 && id12 != id13 && id11 != id13);

	/* Reordered, re-weighted, renamed VIP: same VIP id, same slots, same backend ids. */
	CU_ASSERT_FATAL(apply(&m, "{ name = \"renamed\"; address = \"198.18.100.1\"; port = 80; backends = ( "
				  B(13, 100) "," B(11, 300) "," B(12, 100) " ); }") == 0);
	CU_ASSERT_EQUAL(m.n_vips, 1);
	CU_ASSERT_EQUAL(m.vips[0].id, vid);
	CU_ASSERT_STRING_EQUAL(m.vips[0].cfg.name, "renamed");
	CU_ASSERT_EQUAL(m.vips[0].n_slots, 3);
	CU_ASSERT_EQUAL(m.vips[0].slots[0].id, id11);
	CU_ASSERT_EQUAL(m.vips[0].slots[0].cfg.weight, 300);
	CU_ASSERT_EQUAL(m.vips[0].slots[1].id, id12);
	CU_ASSERT_EQUAL(m.vips[0].slots[2].id, id13);
	CU_ASSERT_EQUAL(m.vips[0].slots[0].gen, m.vips[0].slots[1].gen);
	sl_model_free(&m);
}

static void test_remove_leaves_tombstone_and_reuse_bumps_gen(void)
{
	struct sl_model m;
	uint32_t id12;
	uint16_t gen12;

	init_model(&m, VIP_A(B(11, 100) "," B(12, 100) "," B(13, 100)));
	id12 = m.vips[0].slots[1].id;
	gen12 = m.vips[0].slots[1].gen;

	CU_ASSERT_FATAL(apply(&m, VIP_A(B(11, 100) "," B(13, 100))) == 0);
	CU_ASSERT_EQUAL(m.vips[0].n_slots, 3);
	CU_ASSERT_FALSE(m.vips[0].slots[1].in_use);
	CU_ASSERT_TRUE(m.vips[0].slots[2].in_use); /* slot numbers of the others never shift */
	CU_ASSERT_PTR_NULL(sl_model_backend_by_id(&m, id12, NULL));

	/* A new address reuses the tombstone with a new generation and a new id. */
	sl_model_ids_quiesced(&m, NULL, NULL);
	CU_ASSERT_FATAL(apply(&m, VIP_A(B(11, 100) "," B(13, 100) "," B(14, 100))) == 0);
	CU_ASSERT_EQUAL(m.vips[0].n_slots, 3);
	CU_ASSERT_TRUE(m.vips[0].slots[1].in_use);
	CU_ASSERT_EQUAL(m.vips[0].slots[1].cfg.addr.w[0], m.vips[0].slots[1].cfg.addr.w[0]);
	CU_ASSERT_NOT_EQUAL(m.vips[0].slots[1].gen, gen12);
	sl_model_free(&m);
}

static void test_returning_address_gets_new_generation(void)
{
	struct sl_model m;
	uint16_t gen;

	init_model(&m, VIP_A(B(11, 100) "," B(12, 100)));
	gen = m.vips[0].slots[1].gen;
	CU_ASSERT_FATAL(apply(&m, VIP_A(B(11, 100))) == 0);
	CU_ASSERT_FATAL(apply(&m, VIP_A(B(11, 100) "," B(12, 100))) == 0);
	CU_ASSERT_EQUAL(m.vips[0].n_slots, 2);
	CU_ASSERT_TRUE(m.vips[0].slots[1].in_use);
	CU_ASSERT_NOT_EQUAL(m.vips[0].slots[1].gen, gen);
	sl_model_free(&m);
}

static uint32_t zero_calls_vip, zero_calls_backend;

static void count_zero(void *ctx, bool is_vip, uint32_t id)
{
	(void)ctx;
	(void)id;
	if (is_vip)
		zero_calls_vip++;
	else
		zero_calls_backend++;
}

static void test_vip_identity_and_release(void)
{
	struct sl_model m;
	uint32_t vid_a;

	init_model(&m, VIP_A(B(11, 100)) ", { name = \"b\"; address = \"198.18.100.2\"; port = 80; backends = ( "
		       B(12, 100) " ); }");
	vid_a = m.vips[0].id;
	/* Dropping VIP b and changing a's port (a different identity) releases b and the old a. */
	CU_ASSERT_FATAL(apply(&m, "{ name = \"a\"; address = \"198.18.100.1\"; port = 81; backends = ( " B(11, 100)
				  " ); }") == 0);
	CU_ASSERT_EQUAL(m.n_vips, 1);
	CU_ASSERT_NOT_EQUAL(m.vips[0].id, vid_a);
	zero_calls_vip = zero_calls_backend = 0;
	sl_model_ids_quiesced(&m, count_zero, NULL);
	CU_ASSERT_EQUAL(zero_calls_vip, 2);
	CU_ASSERT_EQUAL(zero_calls_backend, 2);
	sl_model_free(&m);
}

static void test_released_ids_are_zeroed_once(void)
{
	struct sl_model m;

	init_model(&m, VIP_A(B(11, 100) "," B(12, 100)) ", { name = \"b\"; address = \"198.18.100.2\"; port = 80; "
						       "backends = ( " B(13, 100) " ); }");
	CU_ASSERT_FATAL(apply(&m, VIP_A(B(11, 100))) == 0);
	zero_calls_vip = zero_calls_backend = 0;
	sl_model_ids_quiesced(&m, count_zero, NULL);
	CU_ASSERT_EQUAL(zero_calls_vip, 1);     /* VIP b */
	CU_ASSERT_EQUAL(zero_calls_backend, 2); /* .12 of a, .13 of b */
	zero_calls_vip = zero_calls_backend = 0;
	sl_model_ids_quiesced(&m, count_zero, NULL);
	CU_ASSERT_EQUAL(zero_calls_vip + zero_calls_backend, 0);
	sl_model_free(&m);
}

static uint32_t entries_of(const struct sl_dp_vip *v, uint32_t slot)
{
	uint32_t k, n = 0;

	for (k = 0; k < v->table_size; k++)
		n += v->table[k] == slot;
	return n;
}

static void test_snapshot_health_drain_and_all_down(void)
{
	struct sl_model m;
	struct sl_dp_state *s;

	init_model(&m, "{ name = \"a\"; address = \"198.18.100.1\"; port = 80; table_size = 1009; backends = ( "
		       B(11, 100) "," B(12, 100) " ); }");
	s = snap(&m);
	CU_ASSERT_EQUAL(s->n_vips, 1);
	CU_ASSERT(entries_of(&s->vips[0], 0) > 400 && entries_of(&s->vips[0], 1) > 400);
	sl_snapshot_free(s);

	/* Drained: owns no slot, but stays up so its flows stay. */
	m.vips[0].slots[0].drained = true;
	sl_model_vip_dirty(&m.vips[0]);
	s = snap(&m);
	CU_ASSERT_EQUAL(entries_of(&s->vips[0], 0), 0);
	CU_ASSERT_EQUAL(s->vips[0].backends[0].up, 1);
	CU_ASSERT_EQUAL(s->vips[0].backends[0].weight, 0);
	sl_snapshot_free(s);

	/* Down: owns no slot and its flows move. */
	m.vips[0].slots[0].drained = false;
	m.vips[0].slots[0].healthy = false;
	sl_model_vip_dirty(&m.vips[0]);
	s = snap(&m);
	CU_ASSERT_EQUAL(entries_of(&s->vips[0], 0), 0);
	CU_ASSERT_EQUAL(entries_of(&s->vips[0], 1), 1009);
	CU_ASSERT_EQUAL(s->vips[0].backends[0].up, 0);
	sl_snapshot_free(s);

	/* All down, policy keep (default): forward as if all were up. */
	m.vips[0].slots[1].healthy = false;
	sl_model_vip_dirty(&m.vips[0]);
	s = snap(&m);
	CU_ASSERT_TRUE(m.vips[0].all_down);
	CU_ASSERT_EQUAL(m.vips[0].all_down_events, 1);
	CU_ASSERT(entries_of(&s->vips[0], 0) > 400 && entries_of(&s->vips[0], 1) > 400);
	CU_ASSERT_EQUAL(s->vips[0].backends[0].up, 1);
	sl_snapshot_free(s);

	/* All down, policy drop: an empty table. */
	m.vips[0].cfg.all_down = SL_ALL_DOWN_DROP;
	sl_model_vip_dirty(&m.vips[0]);
	s = snap(&m);
	CU_ASSERT_EQUAL(entries_of(&s->vips[0], SL_MAGLEV_EMPTY), 1009);
	sl_snapshot_free(s);
	sl_model_free(&m);
}

static void test_untouched_vip_keeps_its_table(void)
{
	struct sl_model m;
	struct sl_table *t;

	init_model(&m, VIP_A(B(11, 100) "," B(12, 100)) ", { name = \"b\"; address = \"198.18.100.2\"; port = 80; "
						       "backends = ( " B(13, 100) " ); }");
	sl_snapshot_free(snap(&m));
	t = m.vips[0].table;
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* Only VIP b changes: VIP a's table object is carried over, not rebuilt. */
	CU_ASSERT_FATAL(apply(&m, VIP_A(B(11, 100) "," B(12, 100)) ", { name = \"b\"; address = \"198.18.100.2\"; "
								   "port = 80; backends = ( " B(13, 100) "," B(14, 100)
								   " ); }") == 0);
	CU_ASSERT_PTR_EQUAL(m.vips[0].table, t);
	CU_ASSERT_PTR_NULL(m.vips[1].table);
	/* A weight change does rebuild. */
	CU_ASSERT_FATAL(apply(&m, VIP_A(B(11, 200) "," B(12, 100)) ", { name = \"b\"; address = \"198.18.100.2\"; "
								   "port = 80; backends = ( " B(13, 100) "," B(14, 100)
								   " ); }") == 0);
	CU_ASSERT_PTR_NULL(m.vips[0].table);
	sl_model_free(&m);
}

static void test_pick_sequences_follow_weights(void)
{
	struct sl_model m;
	struct sl_dp_state *s;
	uint32_t count[3] = { 0, 0, 0 }, k;

	init_model(&m, VIP_A(B(11, 100) "," B(12, 200) "," B(13, 300)));
	m.vips[0].cfg.scheduler = SL_SCHED_WRR;
	s = snap(&m);
	CU_ASSERT_EQUAL_FATAL(s->vips[0].n_pick, 6); /* 1:2:3 after dividing by the gcd */
	for (k = 0; k < s->vips[0].n_pick; k++)
		count[s->vips[0].pick[k]]++;
	CU_ASSERT(count[0] == 1 && count[1] == 2 && count[2] == 3);
	/* Smooth order: the heaviest backend never runs three times in a row. */
	for (k = 0; k + 2 < s->vips[0].n_pick; k++)
		CU_ASSERT_FALSE(s->vips[0].pick[k] == 2 && s->vips[0].pick[k + 1] == 2 && s->vips[0].pick[k + 2] == 2);
	sl_snapshot_free(s);
	sl_model_free(&m);
}

static void test_lrt_prefers_fast_backends(void)
{
	struct sl_model m;
	struct sl_dp_state *s;
	uint32_t count[2] = { 0, 0 }, k;

	init_model(&m, VIP_A(B(11, 100) "," B(12, 100)));
	m.vips[0].cfg.scheduler = SL_SCHED_LRT;
	m.vips[0].slots[0].rtt_us = 100;
	m.vips[0].slots[1].rtt_us = 400;
	sl_model_vip_dirty(&m.vips[0]);
	s = snap(&m);
	for (k = 0; k < s->vips[0].n_pick; k++)
		count[s->vips[0].pick[k]]++;
	CU_ASSERT_EQUAL(count[0], 4 * count[1]);
	sl_snapshot_free(s);
	sl_model_free(&m);
}

static void test_failed_apply_changes_nothing(void)
{
	struct sl_model m;
	uint32_t vid, id11;

	init_model(&m, VIP_A(B(11, 100)));
	vid = m.vips[0].id;
	id11 = m.vips[0].slots[0].id;
	/* No backend id left: adding a backend must fail and leave the model as it was. */
	memset(m.backend_id_used, 1, SL_MAX_BACKEND_IDS);
	CU_ASSERT_EQUAL(apply(&m, VIP_A(B(11, 50) "," B(12, 100))), -ENOSPC);
	CU_ASSERT_EQUAL(m.n_vips, 1);
	CU_ASSERT_EQUAL(m.vips[0].id, vid);
	CU_ASSERT_EQUAL(m.vips[0].n_slots, 1);
	CU_ASSERT_EQUAL(m.vips[0].slots[0].id, id11);
	CU_ASSERT_EQUAL(m.vips[0].slots[0].cfg.weight, 100);
	CU_ASSERT_EQUAL(m.cfg.vips[0].n_backends, 1);
	/* No VIP id left: a new VIP fails the same way. */
	memset(m.vip_id_used, 1, SL_MAX_VIP_IDS);
	CU_ASSERT_EQUAL(apply(&m, VIP_A(B(11, 100)) ", { name = \"b\"; address = \"198.18.100.2\"; port = 80; "
							"backends = ( " B(13, 100) " ); }"), -ENOSPC);
	CU_ASSERT_EQUAL(m.n_vips, 1);
	sl_model_free(&m);
}

SL_CU_MAIN("model",
	   { "reload keeps VIP and backend identity", test_reload_keeps_identity },
	   { "removal leaves a tombstone; reuse bumps the generation", test_remove_leaves_tombstone_and_reuse_bumps_gen },
	   { "a returning address gets a new generation", test_returning_address_gets_new_generation },
	   { "VIP identity is address, port, protocol", test_vip_identity_and_release },
	   { "released ids are zeroed once", test_released_ids_are_zeroed_once },
	   { "snapshot: health, drain, all-down policies", test_snapshot_health_drain_and_all_down },
	   { "an untouched VIP keeps its table", test_untouched_vip_keeps_its_table },
	   { "wrr pick sequence follows weights", test_pick_sequences_follow_weights },
	   { "lrt prefers fast backends", test_lrt_prefers_fast_backends },
	   { "a failed apply changes nothing", test_failed_apply_changes_nothing })

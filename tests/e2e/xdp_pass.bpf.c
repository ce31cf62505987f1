/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The smallest XDP program: lets every frame through. A veth that receives
 * frames sent with XDP_TX/XDP_REDIRECT by its peer needs an XDP program of its
 * own (that is what switches its NAPI receive path on); without it the frames
 * are dropped silently. topo.sh attaches this one to the switch-side ends.
 *
 * No includes on purpose: <linux/bpf.h> drags in <asm/types.h>, which needs
 * the multiarch include path under -target bpf.
 */
#define SL_XDP_PASS 2 /* XDP_PASS in <linux/bpf.h> */

__attribute__((section("xdp"), used)) int sl_xdp_pass(void *ctx)
{
	(void)ctx;
	return SL_XDP_PASS;
}

char sl_license[] __attribute__((section("license"), used)) = "Dual BSD/GPL";

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "address:port" strings of the e2e tools, in both families:
 * "198.18.0.11:8080", "[2001:db8::11]:8080", "*:8080" (every address, both
 * families). Kept apart from the tools so the unit test can feed it junk.
 */
#ifndef SLUICE_E2E_ADDR_H
#define SLUICE_E2E_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Parse @s into @ss/@len. "*:PORT" gives the IPv6 wildcard "::", which a
 * socket without IPV6_V6ONLY uses for IPv4 too. Port 0 is refused: the tools
 * need a port the other side can name.
 * Returns 0, or -EINVAL for anything malformed (missing port, bad address,
 * port out of range, trailing junk, NULL). Pure; thread-safe.
 */
int e2e_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/*
 * Write @sa as "addr:port" / "[addr]:port" into @buf (@cap bytes, always
 * terminated). Returns @buf, or "?" for an unknown family. Thread-safe.
 */
const char *e2e_addr_str(const struct sockaddr *sa, char *buf, size_t cap);

#endif

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "prefix.h"

static bool host_bits_zero(const struct xs_addr *a, __u32 len)
{
	__u32 i;

	for (i = len; i < 128; i++)
		if (a->a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int xs_prefix_parse(const char *s, struct xs_prefix *p)
{
	char buf[64], *slash, *end;
	long len;
	bool v4;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (xs_addr_parse(buf, &p->addr))
		return -1;
	v4 = xs_addr_is_v4(&p->addr);
	if (!slash) {
		p->len = 128;
		return 0;
	}
	len = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end || len < 0 || len > (v4 ? 32 : 128))
		return -1;
	p->len = (__u32)len + (v4 ? 96 : 0);
	return host_bits_zero(&p->addr, p->len) ? 0 : -1;
}

bool xs_prefix_is_v4(const struct xs_prefix *p)
{
	return p->len >= 96 && xs_addr_is_v4(&p->addr);
}

const char *xs_prefix_str(const struct xs_prefix *p, char *buf)
{
	char a[XS_ADDR_STRLEN];

	xs_addr_str(&p->addr, a);
	snprintf(buf, XS_PREFIX_STRLEN, "%s/%u", a, xs_prefix_is_v4(p) ? p->len - 96 : p->len);
	return buf;
}

bool xs_prefix_contains(const struct xs_prefix *p, const struct xs_addr *a)
{
	__u32 full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr.a, a->a, full))
		return false;
	if (!rest)
		return true;
	return ((p->addr.a[full] ^ a->a[full]) & (0xff << (8 - rest))) == 0;
}

void xs_prefix_to_lpm(const struct xs_prefix *p, struct xs_lpm_key *k)
{
	k->prefixlen = p->len;
	memcpy(k->addr, p->addr.a, 16);
}

void xs_prefix_from_lpm(const struct xs_lpm_key *k, struct xs_prefix *p)
{
	p->len = k->prefixlen;
	memcpy(p->addr.a, k->addr, 16);
}

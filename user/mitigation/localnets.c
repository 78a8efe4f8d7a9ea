// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <ifaddrs.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "localnets.h"

/* a/len, host bits cleared, unless already listed. */
static int add(struct xs_prefix *out, int n, int max, const struct xs_addr *a, unsigned int len)
{
	struct xs_prefix p = { .addr = *a, .len = len };
	unsigned int i;
	int j;

	for (i = len; i < 128; i++)
		p.addr.a[i / 8] &= (__u8)~(0x80 >> (i % 8));
	for (j = 0; j < n; j++)
		if (out[j].len == p.len && !memcmp(&out[j].addr, &p.addr, sizeof(p.addr)))
			return n;
	if (n < max)
		out[n++] = p;
	return n;
}

static void from_sockaddr(const struct sockaddr *sa, struct xs_addr *a, unsigned int *bits)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->a[10] = a->a[11] = 0xff;
		memcpy(&a->a[12], &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*bits = 96;
	} else {
		memcpy(a->a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		*bits = 0;
	}
}

static unsigned int mask_len(const struct sockaddr *m)
{
	const unsigned char *b;
	unsigned int n = 0, i, len;

	if (!m)
		return 128;
	b = m->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)m)->sin_addr
				    : (const void *)&((const struct sockaddr_in6 *)m)->sin6_addr;
	len = m->sa_family == AF_INET ? 4 : 16;
	for (i = 0; i < len; i++)
		n += (unsigned int)__builtin_popcount(b[i]);
	return n;
}

/* Routes of the main table with no gateway, all families. */
static int routes(struct xs_prefix *out, int n, int max)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.rt = { .rtm_family = AF_UNSPEC },
	};
	char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), done = 0;

	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		close(fd);
		return -errno;
	}
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len <= 0)
			break;
		for (nh = (void *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
			struct rtmsg *rt = NLMSG_DATA(nh);
			struct rtattr *at;
			int alen = RTM_PAYLOAD(nh), gw = 0, have_dst = 0;
			struct xs_addr a = {};
			unsigned int base = 0;

			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (rt->rtm_table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST ||
			    (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6))
				continue;
			for (at = RTM_RTA(rt); RTA_OK(at, alen); at = RTA_NEXT(at, alen)) {
				if (at->rta_type == RTA_GATEWAY || at->rta_type == RTA_VIA)
					gw = 1;
				if (at->rta_type == RTA_DST) {
					have_dst = 1;
					if (rt->rtm_family == AF_INET) {
						a.a[10] = a.a[11] = 0xff;
						memcpy(&a.a[12], RTA_DATA(at), 4);
					} else {
						memcpy(a.a, RTA_DATA(at), 16);
					}
				}
			}
			/* Connected (no gateway), and not a default route. */
			if (gw || !have_dst || !rt->rtm_dst_len)
				continue;
			if (rt->rtm_family == AF_INET)
				base = 96;
			n = add(out, n, max, &a, base + rt->rtm_dst_len);
		}
	}
	close(fd);
	return n;
}

int xs_localnets_read(struct xs_prefix *out, int max)
{
	struct ifaddrs *ifs, *i;
	int n = 0, r;

	if (getifaddrs(&ifs))
		return -errno;
	for (i = ifs; i; i = i->ifa_next) {
		struct xs_addr a;
		unsigned int base;

		if (!i->ifa_addr ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		from_sockaddr(i->ifa_addr, &a, &base);
		/* The address itself, and its subnet. */
		n = add(out, n, max, &a, 128);
		if (i->ifa_netmask)
			n = add(out, n, max, &a, base + mask_len(i->ifa_netmask));
	}
	freeifaddrs(ifs);
	r = routes(out, n, max);
	return r < 0 ? n : r;
}

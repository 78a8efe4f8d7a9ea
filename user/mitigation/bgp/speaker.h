/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Mitigation upstream over BGP: blackhole routes (RFC 7999) and FlowSpec
 * rules (RFC 8955, IPv6: RFC 8956) announced to one peer through ExaBGP.
 *
 * ExaBGP runs as this process's child, started by xs_bgp_open() with
 * PR_SET_PDEATHSIG: when xdpstream dies, however it dies, the kernel kills
 * the speaker, its TCP session closes and the peer withdraws every route it
 * learnt from it at once. No graceful restart is offered, so the peer keeps
 * nothing stale; a speaker that hangs stops sending keepalives and the peer
 * drops the session after hold_time_s. Nothing outlives the daemon.
 *
 * Commands go to the speaker through a FIFO that is written without ever
 * blocking; its answers ("done"/"error") and session events come back on
 * another. xs_bgp_fd() is one epoll fd for the daemon's loop: when it is
 * readable, call xs_bgp_poll(). The driver keeps the table of what is
 * announced: a speaker that exits is started again (1 s, doubling to 30 s)
 * and told everything still active; a session that drops and comes back
 * gets it from the speaker's own RIB.
 *
 * Safety rails, checked before anything is sent: destinations only inside
 * announce_prefixes and never overlapping the allowlist, blackholes only
 * for host routes (/32, /128), at most max_announcements distinct routes,
 * and dry_run, where the session comes up but nothing is announced.
 *
 * One speaker per process; call everything from the thread that opened it
 * (the parent-death signal follows that thread).
 */
#ifndef XS_BGP_SPEAKER_H
#define XS_BGP_SPEAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bgp_cfg.h"
#include "config.h"
#include "prefix.h"

/* ---- FlowSpec match and action ---- */

/* An inclusive range of a numeric component; lo == hi is one value. */
struct xs_bgp_range {
	uint32_t lo, hi;
};

/* A numeric component: any of n ranges (n == 0: not matched on). */
struct xs_bgp_nums {
	uint8_t n;
	struct xs_bgp_range r[XS_BGP_RANGES_MAX];
};

/* Fragment bits (RFC 8955 4.2.2.12). */
#define XS_BGP_FRAG_DF 0x01		/* don't fragment (IPv4 only) */
#define XS_BGP_FRAG_IS 0x02		/* is a fragment */
#define XS_BGP_FRAG_FIRST 0x04		/* first fragment */
#define XS_BGP_FRAG_LAST 0x08		/* last fragment */

/* TCP flags, as in the header's 13th byte. */
#define XS_BGP_TCP_FIN 0x01
#define XS_BGP_TCP_SYN 0x02
#define XS_BGP_TCP_RST 0x04
#define XS_BGP_TCP_PSH 0x08
#define XS_BGP_TCP_ACK 0x10
#define XS_BGP_TCP_URG 0x20
#define XS_BGP_TCP_ECE 0x40
#define XS_BGP_TCP_CWR 0x80

/* What a FlowSpec rule matches; a packet must match every component set.
 * The family is the destination's. Numbers are host order. */
struct xs_bgp_match {
	struct xs_prefix dst;		/*  1 destination prefix (required) */
	bool has_src;
	struct xs_prefix src;		/*  2 source prefix */
	struct xs_bgp_nums proto;	/*  3 IP protocol / IPv6 next header, 0..255 */
	struct xs_bgp_nums port;	/*  4 source or destination port */
	struct xs_bgp_nums dport;	/*  5 destination port */
	struct xs_bgp_nums sport;	/*  6 source port */
	struct xs_bgp_nums icmp_type;	/*  7 ICMP (IPv6: ICMPv6) type, 0..255 */
	struct xs_bgp_nums icmp_code;	/*  8 code, 0..255 */
	uint8_t tcp_flags, tcp_mask;	/*  9 (flags & tcp_mask) == tcp_flags; mask 0: any */
	struct xs_bgp_nums length;	/* 10 packet length (IPv6: without the fixed header) */
	struct xs_bgp_nums dscp;	/* 11 DSCP, 0..63 */
	uint8_t frag, frag_mask;	/* 12 (fragment bits & frag_mask) == frag */
	struct xs_bgp_nums flow_label;	/* 13 IPv6 flow label, 0..0xfffff */
};

/* An empty match for one destination (an address or a prefix). */
void xs_bgp_match_init(struct xs_bgp_match *m, const struct xs_prefix *dst);
/* Adds lo..hi to a component; returns 0, or -ENOSPC past XS_BGP_RANGES_MAX. */
int xs_bgp_nums_add(struct xs_bgp_nums *n, uint32_t lo, uint32_t hi);

enum xs_bgp_flow_action {
	XS_BGP_DISCARD,		/* traffic-rate 0 */
	XS_BGP_RATE_LIMIT,	/* traffic-rate bytes_per_s */
};

struct xs_bgp_action {
	int kind;		/* enum xs_bgp_flow_action */
	uint64_t bytes_per_s;	/* RATE_LIMIT: 1..10^12 (RFC 8955 traffic-rate-bytes) */
};

/* ---- The speaker ---- */

enum xs_bgp_state {
	XS_BGP_CLOSED,		/* not opened */
	XS_BGP_IDLE,		/* speaker running, session not established */
	XS_BGP_UP,		/* session established */
	XS_BGP_RESTARTING,	/* speaker exited; started again after a delay */
};
extern const char *const xs_bgp_state_names[];

/* Why an announcement was refused (status counters). */
enum xs_bgp_refusal {
	XS_BGP_REF_SCOPE,	/* outside announce_prefixes */
	XS_BGP_REF_ALLOW,	/* overlaps the allowlist */
	XS_BGP_REF_LENGTH,	/* a blackhole shorter than a host route */
	XS_BGP_REF_CAP,		/* max_announcements reached */
	XS_BGP_REF_INVALID,	/* a malformed match, or no next hop for the family */
	XS_BGP_REF_MAX,
};
extern const char *const xs_bgp_refusal_names[XS_BGP_REF_MAX];

struct xs_bgp_status {
	int state;			/* enum xs_bgp_state */
	bool dry_run;
	int speaker_pid;		/* 0 when not running */
	uint32_t active;		/* distinct routes announced now */
	uint32_t active_blackholes, active_flowspec;
	uint64_t announced;		/* routes added to the table */
	uint64_t withdrawn;		/* routes removed from it */
	uint64_t refused[XS_BGP_REF_MAX];
	uint64_t commands;		/* commands written to the speaker */
	uint64_t speaker_errors;	/* commands it answered "error" */
	uint64_t speaker_starts;
	uint64_t session_ups, session_downs;
};

/* Starts the speaker (it connects to the peer on its own). Returns 0, or a
 * negative errno with one line logged: -EINVAL for a configuration that
 * cannot work, -ENOENT when ExaBGP or the user is missing, -EALREADY when
 * open. Does not wait for the session. */
int xs_bgp_open(const struct xs_bgp_cfg *cfg);

/* The daemon is about to run as uid (run --user): what a restart of the
 * speaker writes becomes its to write. 0 when no speaker is open. */
int xs_bgp_hand_to(uid_t uid);

/* Stops the speaker (a NOTIFICATION Cease, so the peer withdraws all at
 * once; SIGKILL after 3 s) and forgets every announcement. */
void xs_bgp_close(void);

/* Announces victim (an address: /32 or /128) with the blackhole
 * communities. Returns the route's id (> 0), or a negative errno with the
 * reason in xs_bgp_last_error(): -EPERM (outside announce_prefixes, in the
 * allowlist, not a host route), -ENOSPC (cap), -EAFNOSUPPORT (no next hop
 * for the family), -ENOTCONN (not open). The same route announced again
 * returns the same id, counted: each announcement needs its withdrawal. */
int xs_bgp_announce_blackhole(const struct xs_prefix *victim);

/* Announces a FlowSpec rule (m->dst inside announce_prefixes, not
 * overlapping the allowlist). Returns its id or a negative errno as above,
 * plus -EINVAL for a malformed match and -EEXIST when the same match is
 * announced with another action. */
int xs_bgp_announce_flowspec(const struct xs_bgp_match *m, const struct xs_bgp_action *a);

/* Withdraws once; the route leaves when its last announcement is withdrawn.
 * Returns 0, or -ENOENT for an unknown id. */
int xs_bgp_withdraw(int id);

/* The epoll fd to watch for reading (-1 when closed), and the work to do
 * when it is readable: answers, session events, writes, restarts. Never
 * blocks. */
int xs_bgp_fd(void);
void xs_bgp_poll(void);

void xs_bgp_get_status(struct xs_bgp_status *st);

/* What route id is, in ExaBGP's words ("route 198.18.0.20/32 next-hop ..."
 * or "flow route { match { ... } then { ... } }"), for events and logs.
 * Returns buf, or NULL for an unknown id. */
const char *xs_bgp_route_str(int id, char *buf, size_t len);

/* What an announcement would say, without announcing it (with enforce
 * mode off, the events show it). Return 0, -EAFNOSUPPORT (no next hop for
 * the family), -EINVAL (a malformed match) or -ENOSPC. */
int xs_bgp_blackhole_str(const struct xs_bgp_cfg *c, const struct xs_prefix *victim, char *buf,
			 size_t len);
int xs_bgp_flowspec_str(const struct xs_bgp_cfg *c, const struct xs_bgp_match *m,
			const struct xs_bgp_action *a, char *buf, size_t len);

/* Why the last announcement was refused (empty after a success). */
const char *xs_bgp_last_error(void);

#endif

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fleet part of the aggregates: see fleet.h for where each number
 * comes from. Per tick: the kernel's sketches of the watched victims are
 * read and cleared, the lists ranked, the events' hashes sorted into their
 * sketches (a counting sort by sketch), each sketch encoded once, and the
 * watch lists set for the next generations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "sinks/aggregates.h"
#include "fleet.h"
#include "fleet_hll.h"
#include "htab.h"
#include "loader.h"
#include "log.h"
#include "xs_siphash.h"

/* Base64 of the registers one tick may carry: beyond half of it the
 * remaining sketches share the rest at a lower precision. With the lists'
 * other text this keeps a tick of the default sizes under librdkafka's
 * message.max.bytes (1,000,000). */
#define SKETCH_BUDGET (512 * 1024)
#define ARENA_CHUNK (1 << 20)
/* Sketches per item: victims 1, prefixes 2, logins 1, sources 1, source prefixes 1. */
#define NSK 6
#define SID_ITEMS 4096	/* items per list at most (fleet_items_max) */

enum { SK_VICTIM = 0, SK_VP_VICTIMS, SK_VP_SOURCES, SK_LOGIN, SK_SOURCE, SK_SP };

/* A new-flow event as the fleet needs it. */
struct fev {
	struct xs_addr src, dst;
	uint16_t dport;		/* host order */
	uint8_t proto, flags;
};

struct evbuf {
	uint32_t epoch;
	bool used;
	struct fev *v;
	size_t n, cap;
	uint64_t dropped;
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

/* Sums per prefix, or per login service. */
struct agg {
	uint64_t pkts, bytes, syn, logins;
	int32_t item;		/* listed: its index; else -1 */
	uint32_t pad;
};

struct login_key {
	struct xs_addr a;
	uint16_t port;
	uint16_t pad;
};

struct cand_key {
	uint32_t item;
	struct xs_addr a;
};

/* A ranked candidate: what its list is ordered by, and where it came from. */
struct cand {
	struct xs_addr a;
	uint16_t port;
	uint64_t key;
	uint64_t aux;		/* top sources: the lower bound */
	const struct agg *g;
	size_t ref;
};

struct pair {
	uint32_t sid, cell;
};

struct xs_fleet {
	struct xs_fleet_set cfg;
	struct xs_ports login;
	size_t ev_max;
	struct evbuf ev[2];
	/* the program's maps */
	struct xs_fleet_ctl *ctl;
	size_t ctl_len;
	struct xs_fleet_hll *hll;
	size_t hll_len, hll_n;
	int ncpus;
	bool discard;		/* the next drain's sketches are stale: clear them all */
	double resume;
	uint64_t last_seq;
	/* the watched victims' sketches of the tick being built */
	uint8_t *kregs;
	bool kon[XS_FLEET_WATCH];
	struct xs_addr kaddr[XS_FLEET_WATCH];
	/* the output and its memory, reused tick after tick */
	struct xs_fleet_tick out;
	size_t items_cap[XS_FL_MAX];
	size_t tops_cap;
	struct chunk *arena;
	uint8_t *scratch, *scratch2;
	struct pair *pairs;
	size_t npairs, pairs_cap;
	uint32_t *cells, *sid_off;
	size_t cells_cap;
	struct cand *cands;
	size_t cands_cap;
	size_t *idx;
	size_t idx_cap;
	/* the tick's tables, kept from tick to tick (cleared, grown when short) */
	struct xs_htab t_victims, t_vpfx, t_logins, t_sources, t_spfx, t_tracked, t_pairs;
	struct xs_htab t_vlisted, t_slisted;	/* listed prefixes -> item */
	bool warned_oom;
};

struct xs_fleet *xs_fleet_new(const struct xs_settings *s)
{
	struct xs_fleet *f;
	uint64_t per_tick;

	if (!s->fleet.aggregates)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		goto oom;
	f->cfg = s->fleet;
	f->login = s->rules->prof[0].brute.login_ports;
	/* The kernel sends at most the budget (rounded up per CPU): room for
	 * twice that, so a late tick or rounding never drops an event. */
	per_tick = s->event_budget * s->tick_ms / 1000;
	f->ev_max = (size_t)(2 * per_tick + 65536);
	if (f->ev_max > (64u << 20))
		f->ev_max = 64u << 20;
	f->scratch = calloc(1, 1u << XS_FLEET_P);
	f->scratch2 = calloc(1, 1u << XS_FLEET_P);
	f->kregs = calloc(XS_FLEET_WATCH, XS_FLEET_REGS);
	f->sid_off = calloc(NSK * SID_ITEMS + 1, sizeof(*f->sid_off));
	if (!f->scratch || !f->scratch2 || !f->kregs || !f->sid_off)
		goto oom;
	return f;
oom:
	xs_err("out of memory for the fleet aggregates");
	xs_fleet_free(f);
	return NULL;
}

void xs_fleet_free(struct xs_fleet *f)
{
	struct chunk *c, *n;
	int i;

	if (!f)
		return;
	if (f->ctl)
		munmap(f->ctl, f->ctl_len);
	if (f->hll)
		munmap(f->hll, f->hll_len);
	for (i = 0; i < 2; i++)
		free(f->ev[i].v);
	for (i = 0; i < XS_FL_MAX; i++)
		free(f->out.l[i].items);
	free(f->out.tops);
	for (c = f->arena; c; c = n) {
		n = c->next;
		free(c);
	}
	free(f->scratch);
	free(f->scratch2);
	free(f->kregs);
	free(f->pairs);
	free(f->cells);
	free(f->sid_off);
	free(f->cands);
	free(f->idx);
	xs_htab_free(&f->t_victims);
	xs_htab_free(&f->t_vpfx);
	xs_htab_free(&f->t_logins);
	xs_htab_free(&f->t_sources);
	xs_htab_free(&f->t_spfx);
	xs_htab_free(&f->t_tracked);
	xs_htab_free(&f->t_pairs);
	xs_htab_free(&f->t_vlisted);
	xs_htab_free(&f->t_slisted);
	free(f);
}

/* An empty table for at least limit entries: the last tick's, cleared,
 * unless it is too small (fresh memory each tick costs its page faults). */
static int table(struct xs_htab *t, uint32_t ksize, uint32_t vsize, size_t limit)
{
	if (t->tag && t->ksize == ksize && t->vsize == vsize && t->limit >= limit) {
		xs_htab_clear(t);
		t->overflow = 0;
		return 0;
	}
	xs_htab_free(t);
	return xs_htab_init(t, ksize, vsize, limit < 1024 ? 1024 : limit + limit / 4);
}

static void *map_mmap(struct bpf_map *m, size_t *len)
{
	void *p;

	*len = (size_t)bpf_map__value_size(m) * bpf_map__max_entries(m);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

int xs_fleet_attach(struct xs_fleet *f, struct xs_bpf *b, int ncpus)
{
	struct xdpstream_bpf *s = b->skel;
	bool same_key;

	f->ncpus = ncpus;
	f->ctl = map_mmap(s->maps.xs_fleet_ctl, &f->ctl_len);
	if (!f->ctl) {
		xs_err("cannot map the fleet's control map: %s", strerror(errno));
		return -errno;
	}
	if (f->cfg.have_key && f->cfg.watch) {
		f->hll_n = bpf_map__max_entries(s->maps.xs_fleet_hll);
		if (f->hll_n < (size_t)ncpus * XS_GENS * XS_FLEET_WATCH) {
			xs_err("the program's fleet sketches have %zu slots, %d needed: it was loaded "
			       "without fleet_hll_key (run 'xdpstream detach' and start again)",
			       f->hll_n, ncpus * XS_GENS * XS_FLEET_WATCH);
			return -EINVAL;
		}
		f->hll = map_mmap(s->maps.xs_fleet_hll, &f->hll_len);
		if (!f->hll) {
			xs_err("cannot map the fleet's sketches: %s", strerror(errno));
			return -errno;
		}
	}
	same_key = f->cfg.have_key && f->ctl->k0 == f->cfg.key.k0 && f->ctl->k1 == f->cfg.key.k1;
	if (f->ctl->last_flip_us) {
		/* Adopted: the next tick began at the last daemon's last flip. */
		f->resume = f->ctl->last_flip_us / 1e6;
		f->last_seq = f->ctl->last_seq;
	}
	if (f->ctl->last_flip_us && same_key && f->hll)
		return 0;	/* its watch lists and sketches go on */
	/* Nothing watched from now on; what the sketches hold is stale. */
	memset(f->ctl->gen, 0, sizeof(f->ctl->gen));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	f->ctl->k0 = f->cfg.have_key ? f->cfg.key.k0 : 0;
	f->ctl->k1 = f->cfg.have_key ? f->cfg.key.k1 : 0;
	f->discard = true;
	return 0;
}

bool xs_fleet_sketches(const struct xs_fleet *f)
{
	return f && f->hll;
}

double xs_fleet_resume_time(const struct xs_fleet *f)
{
	return f ? f->resume : 0;
}

void xs_fleet_on_event(struct xs_fleet *f, const struct xs_flow_event *e)
{
	struct evbuf *b = &f->ev[e->epoch & 1];
	struct fev *v;

	if (!b->used || b->epoch != e->epoch) {
		b->used = true;
		b->epoch = e->epoch;
		b->n = 0;
		b->dropped = 0;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		void *p;

		if (cap > f->ev_max)
			cap = f->ev_max;
		p = cap > b->cap ? realloc(b->v, cap * sizeof(*b->v)) : NULL;
		if (!p) {
			b->dropped++;
			return;
		}
		b->v = p;
		b->cap = cap;
	}
	v = &b->v[b->n++];
	v->src = e->src;
	v->dst = e->dst;
	v->dport = ntohs(e->dport);
	v->proto = e->proto;
	v->flags = e->tcp_flags;
}

/* ---- helpers ----------------------------------------------------------- */

static bool is_v4(const struct xs_addr *a)
{
	static const uint8_t p[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a->a, p, 12);
}

/* The /24 (IPv4) or /64 (IPv6), host bits zero. */
static struct xs_addr prefix_of(const struct xs_addr *a)
{
	struct xs_addr p = *a;

	if (is_v4(a))
		p.a[15] = 0;
	else
		memset(&p.a[8], 0, 8);
	return p;
}

static bool is_syn(const struct fev *e)
{
	return e->proto == 6 && (e->flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN;
}

/* What a source's targets_hll counts: TCP SYN without ACK, UDP. */
static bool is_probe(const struct fev *e)
{
	return is_syn(e) || e->proto == 17;
}

static uint64_t target_hash(const struct xs_sipkey *k, const struct fev *e)
{
	uint8_t item[19];

	memcpy(item, e->dst.a, 16);
	item[16] = (uint8_t)(e->dport >> 8);
	item[17] = (uint8_t)e->dport;
	item[18] = e->proto;
	return xs_siphash(k, item, sizeof(item));
}

static int grow(void **p, size_t *cap, size_t n, size_t esize)
{
	void *q;

	if (n <= *cap)
		return 0;
	n = n < 64 ? 64 : n + n / 2;
	q = realloc(*p, n * esize);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static char *arena_alloc(struct xs_fleet *f, size_t n)
{
	struct chunk *c = f->arena, **link = &f->arena;
	size_t want = n < ARENA_CHUNK ? ARENA_CHUNK : n;

	for (; c; link = &c->next, c = c->next)
		if (c->cap - c->used >= n)
			break;
	if (!c) {
		c = malloc(sizeof(*c) + want);
		if (!c)
			return NULL;
		c->next = NULL;
		c->used = 0;
		c->cap = want;
		*link = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

static void arena_reset(struct xs_fleet *f)
{
	struct chunk *c;

	for (c = f->arena; c; c = c->next)
		c->used = 0;
}

/* More first, then address and port, lower first (docs/fleet.md). */
static int rank_cand(const void *ctx, size_t a, size_t b)
{
	const struct cand *c = ctx;
	int d;

	if (c[a].key != c[b].key)
		return c[a].key > c[b].key ? -1 : 1;
	d = memcmp(&c[a].a, &c[b].a, sizeof(c[a].a));
	if (d)
		return d;
	return c[a].port < c[b].port ? -1 : c[a].port > c[b].port;
}

/* The best k of n candidates into f->idx (best first); omitted and floor
 * say what was left out. Returns how many are listed. */
static int select_top(struct xs_fleet *f, const struct cand *c, size_t n, size_t k,
		      uint64_t *omitted, uint64_t *floor)
{
	size_t m;

	*omitted = n > k ? n - k : 0;
	*floor = 0;
	if (grow((void **)&f->idx, &f->idx_cap, k + 1, sizeof(*f->idx)))
		return -ENOMEM;
	m = xs_top_n(n, k + 1, f->idx, rank_cand, c);
	if (m > k) {
		*floor = c[f->idx[k]].key;
		m = k;
	}
	return (int)m;
}

static struct xs_fleet_item *list_items(struct xs_fleet *f, int l, size_t n)
{
	struct xs_fleet_list *L = &f->out.l[l];

	if (grow((void **)&L->items, &f->items_cap[l], n ? n : 1, sizeof(*L->items)))
		return NULL;
	memset(L->items, 0, (n ? n : 1) * sizeof(*L->items));
	L->n = (uint32_t)n;
	return L->items;
}

static int add_pair(struct xs_fleet *f, int sk, uint32_t item, uint64_t h)
{
	if (f->npairs == f->pairs_cap &&
	    grow((void **)&f->pairs, &f->pairs_cap, f->npairs + 1, sizeof(*f->pairs)))
		return -ENOMEM;
	f->pairs[f->npairs].sid = (uint32_t)sk * SID_ITEMS + item;
	f->pairs[f->npairs].cell = xs_fhll_cell(h, (int)f->cfg.p);
	f->npairs++;
	return 0;
}

/* ---- the kernel's sketches ---------------------------------------------- */

static struct xs_fleet_hll *hll_at(struct xs_fleet *f, int cpu, int gen, int i)
{
	return &f->hll[((size_t)cpu * XS_GENS + gen) * XS_FLEET_WATCH + i];
}

/* The drained generation g: each watched victim's sketch, max-merged over
 * the CPUs into kregs, then cleared for its next use. */
static void read_sketches(struct xs_fleet *f, int g)
{
	struct xs_fleet_watch *w = &f->ctl->gen[g];
	int i, cpu;

	memset(f->kon, 0, sizeof(f->kon));
	if (!f->hll)
		return;
	if (f->discard) {
		memset(f->hll, 0, f->hll_n * sizeof(*f->hll));
		f->discard = false;
		return;
	}
	for (i = 0; i < XS_FLEET_WATCH; i++) {
		uint8_t *r = f->kregs + (size_t)i * XS_FLEET_REGS;

		if (!w->on[i])
			continue;
		f->kon[i] = true;
		f->kaddr[i] = w->addr[i];
		memset(r, 0, XS_FLEET_REGS);
		for (cpu = 0; cpu < f->ncpus; cpu++) {
			struct xs_fleet_hll *s = hll_at(f, cpu, g, i);

			xs_fhll_merge(r, s->reg, XS_FLEET_P);
			memset(s, 0, sizeof(*s));
		}
	}
}

static int watch_slot(const struct xs_fleet_watch *w, const struct xs_addr *a)
{
	int i;

	for (i = 0; i < XS_FLEET_WATCH; i++)
		if (w->on[i] && !memcmp(&w->addr[i], a, sizeof(*a)))
			return i;
	return -1;
}

/* The victims to watch are d[0..n): from the generation after next in the
 * one just drained (g, idle until then), and at once in the one being
 * written, in slots free there (a free slot's sketch is empty; a slot in
 * use keeps its victim until that generation is drained). */
static void set_watch(struct xs_fleet *f, int g, const struct xs_addr *d, int n)
{
	struct xs_fleet_watch *w = &f->ctl->gen[g], *cur = &f->ctl->gen[g ^ 1];
	uint64_t filter = 0;
	int i, j;

	if (!f->hll)
		return;
	w->filter = 0;
	memset(w->on, 0, sizeof(w->on));
	for (i = 0; i < n; i++) {
		w->addr[i] = d[i];
		w->on[i] = 1;
		filter |= 1ULL << XS_FLEET_BUCKET(&d[i]);
	}
	w->filter = filter;
	for (i = 0; i < n; i++) {
		if (watch_slot(cur, &d[i]) >= 0)
			continue;
		for (j = 0; j < (int)f->cfg.watch && cur->on[j]; j++)
			;
		if (j == (int)f->cfg.watch)
			break;
		/* The address, then the slot, then the filter: a program that
		 * sees the filter bit sees the slot whole (x86 keeps stores in
		 * order; the fences keep the compiler from reordering them). */
		cur->addr[j] = d[i];
		__atomic_store_n(&cur->on[j], 1, __ATOMIC_RELEASE);
		__atomic_store_n(&cur->filter, cur->filter | 1ULL << XS_FLEET_BUCKET(&d[i]),
				 __ATOMIC_RELEASE);
	}
}

/* ---- the lists ---------------------------------------------------------- */

struct build {
	struct xs_fleet *f;
	const struct xs_tick *t;
	const struct fev *ev;
	size_t nev;
	struct xs_htab *victims;	/* listed victim -> item */
	struct xs_htab *vpfx;		/* destination prefix -> struct agg */
	struct xs_htab *logins;		/* (destination, port) -> struct agg */
	struct xs_htab *sources;	/* listed source -> item */
	struct xs_htab *spfx;		/* source prefix -> struct agg */
	struct xs_htab *tracked;	/* every source of the tick -> its packets */
	struct xs_htab *vlisted, *slisted;	/* listed prefixes -> item */
};

static int32_t lookup_item(const struct xs_htab *h, const void *key)
{
	void *e;

	if (!h->count)
		return -1;
	e = xs_htab_find(h, key, xs_hash(key, h->ksize));
	return e ? *(int32_t *)xs_htab_val(h, e) : -1;
}

static struct agg *agg_at(struct xs_htab *h, const void *key, bool insert)
{
	bool created;
	uint64_t hh = xs_hash(key, h->ksize);
	void *e = insert ? xs_htab_insert(h, key, hh, &created) : xs_htab_find(h, key, hh);
	struct agg *a;

	if (!e)
		return NULL;
	a = xs_htab_val(h, e);
	if (insert && created)
		a->item = -1;
	return a;
}

/* Ranks the aggregates of table h by pkts (logins: by attempts) into
 * list l; marks the listed ones with their item index. */
static int rank_aggs(struct build *B, struct xs_htab *h, int l, bool by_logins,
		     struct xs_htab *listed)
{
	struct xs_fleet *f = B->f;
	struct xs_htab_iter it;
	struct xs_fleet_list *L = &f->out.l[l];
	struct xs_fleet_item *items;
	size_t n = 0, i;
	void *e;
	int m;

	if (grow((void **)&f->cands, &f->cands_cap, h->count + 1, sizeof(*f->cands)))
		return -ENOMEM;
	for (e = xs_htab_first(h, &it); e; e = xs_htab_next(h, &it)) {
		struct agg *a = xs_htab_val(h, e);
		struct cand *c = &f->cands[n++];

		memset(c, 0, sizeof(*c));
		memcpy(&c->a, e, sizeof(c->a));
		if (by_logins)
			c->port = ((const struct login_key *)e)->port;
		c->key = by_logins ? a->logins : a->pkts;
		c->g = a;
	}
	m = select_top(f, f->cands, n, f->cfg.items_max, &L->omitted, &L->floor);
	if (m < 0 || !(items = list_items(f, l, (size_t)m)) ||
	    (listed && table(listed, sizeof(struct xs_addr), sizeof(int32_t), (size_t)m + 1)))
		return -ENOMEM;
	for (i = 0; i < (size_t)m; i++) {
		const struct cand *c = &f->cands[f->idx[i]];
		bool created;
		void *e2;

		if (listed && (e2 = xs_htab_insert(listed, &c->a, xs_hash(&c->a, sizeof(c->a)),
						   &created)))
			*(int32_t *)xs_htab_val(listed, e2) = (int32_t)i;
		items[i].addr = c->a;
		items[i].port = c->port;
		items[i].packets = c->g->pkts;
		items[i].bytes = c->g->bytes;
		items[i].syn = c->g->syn;
		items[i].attempts = c->g->logins;
		((struct agg *)c->g)->item = (int32_t)i;
	}
	return 0;
}

/* Ranks t's address entries (destinations or sources) by packets into list
 * l, and indexes the listed ones in h. */
static int rank_addrs(struct build *B, int l, struct xs_htab *h)
{
	struct xs_fleet *f = B->f;
	const struct xs_tick *t = B->t;
	bool dst = l == XS_FL_VICTIMS;
	size_t n = dst ? t->ndst : t->nsrc, i;
	struct xs_fleet_list *L = &f->out.l[l];
	struct xs_fleet_item *items;
	bool created;
	int m;

	if (grow((void **)&f->cands, &f->cands_cap, n + 1, sizeof(*f->cands)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct cand *c = &f->cands[i];

		memset(c, 0, sizeof(*c));
		c->a = dst ? t->dst[i].addr : t->src[i].addr;
		c->key = dst ? t->dst[i].v.pkts : t->src[i].v.pkts;
		c->ref = i;
	}
	m = select_top(f, f->cands, n, f->cfg.items_max, &L->omitted, &L->floor);
	if (m < 0 || !(items = list_items(f, l, (size_t)m)) ||
	    table(h, sizeof(struct xs_addr), sizeof(int32_t), (size_t)m + 1))
		return -ENOMEM;
	for (i = 0; i < (size_t)m; i++) {
		const struct cand *c = &f->cands[f->idx[i]];
		void *e = xs_htab_insert(h, &c->a, xs_hash(&c->a, sizeof(c->a)), &created);

		items[i].addr = c->a;
		if (dst) {
			items[i].packets = t->dst[c->ref].v.pkts;
			items[i].bytes = t->dst[c->ref].v.bytes;
			items[i].syn = t->dst[c->ref].v.syn;
		} else {
			items[i].packets = t->src[c->ref].v.pkts;
			items[i].bytes = t->src[c->ref].v.bytes;
			items[i].syn = t->src[c->ref].v.syn;
		}
		if (e)
			*(int32_t *)xs_htab_val(h, e) = (int32_t)i;
	}
	return 0;
}

static int build_lists(struct build *B)
{
	struct xs_fleet *f = B->f;
	const struct xs_tick *t = B->t;
	size_t i, nlogin = 0;

	for (i = 0; i < B->nev; i++)
		nlogin += is_syn(&B->ev[i]) && xs_ports_has(&f->login, B->ev[i].dport);
	if (rank_addrs(B, XS_FL_VICTIMS, B->victims) || rank_addrs(B, XS_FL_SOURCES, B->sources))
		return -ENOMEM;
	/* Sized for what goes in: the tables' entries, and login attempts. */
	if (table(B->vpfx, sizeof(struct xs_addr), sizeof(struct agg), t->ndst + 1) ||
	    table(B->spfx, sizeof(struct xs_addr), sizeof(struct agg), t->nsrc + nlogin + 1) ||
	    table(B->logins, sizeof(struct login_key), sizeof(struct agg), nlogin + 1))
		return -ENOMEM;
	for (i = 0; i < t->ndst; i++) {
		struct xs_addr p = prefix_of(&t->dst[i].addr);
		struct agg *a = agg_at(B->vpfx, &p, true);

		if (a) {
			a->pkts += t->dst[i].v.pkts;
			a->bytes += t->dst[i].v.bytes;
			a->syn += t->dst[i].v.syn;
		}
	}
	for (i = 0; i < t->nsrc; i++) {
		struct xs_addr p = prefix_of(&t->src[i].addr);
		struct agg *a = agg_at(B->spfx, &p, true);

		if (a) {
			a->pkts += t->src[i].v.pkts;
			a->bytes += t->src[i].v.bytes;
			a->syn += t->src[i].v.syn;
		}
	}
	/* Login attempts: services, and who made them. */
	for (i = 0; i < B->nev; i++) {
		const struct fev *e = &B->ev[i];
		struct login_key k = { .a = e->dst, .port = e->dport };
		struct xs_addr sp;
		struct agg *a;

		if (!is_syn(e) || !xs_ports_has(&f->login, e->dport))
			continue;
		if ((a = agg_at(B->logins, &k, true)))
			a->logins++;
		sp = prefix_of(&e->src);
		if ((a = agg_at(B->spfx, &sp, true)))
			a->logins++;
	}
	if (rank_aggs(B, B->vpfx, XS_FL_VPREFIXES, false, B->vlisted) ||
	    rank_aggs(B, B->logins, XS_FL_LOGINS, true, NULL) ||
	    rank_aggs(B, B->spfx, XS_FL_SPREFIXES, false, B->slisted))
		return -ENOMEM;
	/* The listed sources' login attempts. */
	for (i = 0; i < B->nev; i++) {
		const struct fev *e = &B->ev[i];
		int32_t it;

		if (is_syn(e) && xs_ports_has(&f->login, e->dport) &&
		    (it = lookup_item(B->sources, &e->src)) >= 0)
			f->out.l[XS_FL_SOURCES].items[it].attempts++;
	}
	return 0;
}

/* ---- top sources --------------------------------------------------------- */

static uint64_t tracked_pkts(const struct build *B, const struct xs_addr *a)
{
	void *e = B->tracked->count ? xs_htab_find(B->tracked, a, xs_hash(a, sizeof(*a))) : NULL;

	return e ? *(uint64_t *)xs_htab_val(B->tracked, e) : 0;
}

static int build_tops(struct build *B)
{
	struct xs_fleet *f = B->f;
	const struct xs_tick *t = B->t;
	struct xs_fleet_list *V = &f->out.l[XS_FL_VICTIMS];
	/* Packets no source's counters hold: a full table, or sources left
	 * out by admission (bpf/account.h admit_src). Either could be any
	 * source's, so both widen every bound. */
	uint64_t src_full = t->g.cnt[XS_N_SRC_FULL] + t->g.cnt[XS_N_SRC_UNADMITTED], unused;
	size_t K = f->cfg.top_sources, i, ntop = 0, ng, *global = NULL, *start = NULL;
	struct cand *g = NULL, *all = NULL;
	struct xs_htab *pairs = &f->t_pairs;
	struct xs_htab_iter it;
	const struct xs_addr *last = NULL;
	int32_t v = -1;
	bool created;
	int ret = -ENOMEM;
	void *e;

	if (!K || !V->n)
		return 0;
	/* Every source's packets, and the busiest K + 1 (for the floors). */
	if (table(B->tracked, sizeof(struct xs_addr), sizeof(uint64_t), t->nsrc + 1) ||
	    table(pairs, sizeof(struct cand_key), sizeof(uint64_t), B->nev + 1))
		goto out;
	g = calloc(t->nsrc + 1, sizeof(*g));
	global = calloc(K + 1, sizeof(*global));
	start = calloc(V->n + 1, sizeof(*start));
	if (!g || !global || !start)
		goto out;
	for (i = 0; i < t->nsrc; i++) {
		e = xs_htab_insert(B->tracked, &t->src[i].addr,
				   xs_hash(&t->src[i].addr, sizeof(struct xs_addr)), &created);
		if (e)
			*(uint64_t *)xs_htab_val(B->tracked, e) += t->src[i].v.pkts;
		g[i].a = t->src[i].addr;
		g[i].key = t->src[i].v.pkts;
	}
	ng = xs_top_n(t->nsrc, K + 1, global, rank_cand, g);
	/* New flows per (listed victim, source). */
	for (i = 0; i < B->nev; i++) {
		struct cand_key k = { 0 };

		/* A flood's events share their destination: look it up once. */
		if (!last || memcmp(last, &B->ev[i].dst, sizeof(*last))) {
			last = &B->ev[i].dst;
			v = lookup_item(B->victims, last);
		}
		if (v < 0)
			continue;
		k.item = (uint32_t)v;
		k.a = B->ev[i].src;
		e = xs_htab_insert(pairs, &k, xs_hash(&k, sizeof(k)), &created);
		if (e)
			(*(uint64_t *)xs_htab_val(pairs, e))++;
	}
	/* Grouped by victim (a counting sort), each candidate bounded:
	 * at most min(victim's packets, the source's tracked packets + the
	 * packets no table tracked), at least its new flows. */
	all = calloc(pairs->count + 1, sizeof(*all));
	if (!all)
		goto out;
	for (e = xs_htab_first(pairs, &it); e; e = xs_htab_next(pairs, &it))
		start[((struct cand_key *)e)->item + 1]++;
	for (i = 0; i < V->n; i++)
		start[i + 1] += start[i];
	for (e = xs_htab_first(pairs, &it); e; e = xs_htab_next(pairs, &it)) {
		const struct cand_key *k = e;
		struct cand *c = &all[start[k->item]++];
		uint64_t vp = V->items[k->item].packets, ub = tracked_pkts(B, &k->a) + src_full;

		c->a = k->a;
		c->key = ub < vp ? ub : vp;
		c->aux = *(uint64_t *)xs_htab_val(pairs, e);
		if (c->aux > c->key)
			c->aux = c->key;	/* the victim's table was full */
	}
	/* start[i] is now the end of victim i's run. */
	if (grow((void **)&f->out.tops, &f->tops_cap, V->n * K + 1, sizeof(*f->out.tops)))
		goto out;
	for (i = 0; i < V->n; i++) {
		struct xs_fleet_item *v = &V->items[i];
		size_t lo = i ? start[i - 1] : 0, n = start[i] - lo, m, j, k;
		uint64_t floor = 0;

		m = (size_t)select_top(f, all + lo, n, K, &unused, &unused);
		v->top = (uint32_t)ntop;
		v->ntop = (uint32_t)m;
		for (j = 0; j < m; j++) {
			const struct cand *c = &all[lo + f->idx[j]];
			struct xs_fleet_top *o = &f->out.tops[ntop++];

			o->addr = c->a;
			o->count = c->key;
			o->error = c->key - c->aux;
		}
		/* Any source not listed sent at most the busiest unlisted
		 * source's packets, plus what no table tracked. */
		for (k = 0; k < ng; k++) {
			const struct xs_addr *a = &g[global[k]].a;

			for (j = 0; j < m; j++)
				if (!memcmp(a, &f->out.tops[v->top + j].addr, sizeof(*a)))
					break;
			if (j == m) {
				floor = g[global[k]].key;
				break;
			}
		}
		floor += src_full;
		v->top_floor = floor < v->packets ? floor : v->packets;
	}
	ret = 0;
out:
	free(g);
	free(global);
	free(start);
	free(all);
	return ret;
}

/* ---- sketches ---------------------------------------------------------- */

static int collect_pairs(struct build *B)
{
	struct xs_fleet *f = B->f;
	const struct xs_sipkey *k = &f->cfg.key;
	const struct xs_tick *t = B->t;
	const struct xs_addr *last = NULL;
	int32_t v = -1, vp = -1;
	uint64_t hd = 0;
	size_t i;

	f->npairs = 0;
	for (i = 0; i < B->nev; i++) {
		const struct fev *e = &B->ev[i];
		struct xs_addr sp = prefix_of(&e->src);
		struct login_key lk = { .a = e->dst, .port = e->dport };
		struct agg *la;
		uint64_t hs = xs_siphash16(k->k0, k->k1, e->src.a), ht = 0;
		int32_t s, spi;
		int err = 0;

		/* A flood's events share their destination: its lookups and
		 * its hash once, and its item in victims_hll once. */
		if (!last || memcmp(last, &e->dst, sizeof(*last))) {
			struct xs_addr dp = prefix_of(&e->dst);

			last = &e->dst;
			v = lookup_item(B->victims, last);
			vp = lookup_item(B->vlisted, &dp);
			hd = xs_siphash16(k->k0, k->k1, e->dst.a);
			if (vp >= 0)
				err |= add_pair(f, SK_VP_VICTIMS, (uint32_t)vp, hd);
		}
		if (v >= 0)
			err |= add_pair(f, SK_VICTIM, (uint32_t)v, hs);
		if (vp >= 0)
			err |= add_pair(f, SK_VP_SOURCES, (uint32_t)vp, hs);
		if (is_syn(e) && xs_ports_has(&f->login, e->dport) &&
		    (la = agg_at(B->logins, &lk, false)) && la->item >= 0)
			err |= add_pair(f, SK_LOGIN, (uint32_t)la->item, hs);
		if (is_probe(e)) {
			s = lookup_item(B->sources, &e->src);
			spi = lookup_item(B->slisted, &sp);
			if (s >= 0 || spi >= 0)
				ht = target_hash(k, e);
			if (s >= 0)
				err |= add_pair(f, SK_SOURCE, (uint32_t)s, ht);
			if (spi >= 0)
				err |= add_pair(f, SK_SP, (uint32_t)spi, ht);
		}
		if (err)
			return -ENOMEM;
	}
	for (i = 0; i < t->ndst; i++) {
		struct xs_addr dp = prefix_of(&t->dst[i].addr);
		int32_t it = lookup_item(B->vlisted, &dp);

		if (it >= 0 && add_pair(f, SK_VP_VICTIMS, (uint32_t)it,
					xs_siphash16(k->k0, k->k1, t->dst[i].addr.a)))
			return -ENOMEM;
	}
	/* A counting sort of the cells by sketch. */
	if (grow((void **)&f->cells, &f->cells_cap, f->npairs + 1, sizeof(*f->cells)))
		return -ENOMEM;
	memset(f->sid_off, 0, (NSK * SID_ITEMS + 1) * sizeof(*f->sid_off));
	for (i = 0; i < f->npairs; i++)
		f->sid_off[f->pairs[i].sid + 1]++;
	for (i = 0; i < NSK * SID_ITEMS; i++)
		f->sid_off[i + 1] += f->sid_off[i];
	for (i = 0; i < f->npairs; i++)
		f->cells[f->sid_off[f->pairs[i].sid]++] = f->pairs[i].cell;
	/* sid_off[s] is now the end of sketch s: shift back to starts. */
	memmove(f->sid_off + 1, f->sid_off, NSK * SID_ITEMS * sizeof(*f->sid_off));
	f->sid_off[0] = 0;
	return 0;
}

struct encoder {
	size_t used, left;	/* sketches left to encode, this one included */
	int pcut;		/* 0: full precision still */
};

static size_t dense_b64(int p)
{
	return (((size_t)1 << p) + 2) / 3 * 4;
}

/* Precision of the next sketch, whose base64 at full precision takes len:
 * full while the sketches so far take less than half of the budget; then
 * the rest share what is left, dense at worst. */
static int precision(struct xs_fleet *f, struct encoder *en, size_t len)
{
	int p = (int)f->cfg.p;

	if (!en->pcut && en->used + len > SKETCH_BUDGET / 2) {
		size_t share = (SKETCH_BUDGET - en->used) / en->left;

		for (en->pcut = p; en->pcut > XS_FHLL_P_MIN && dense_b64(en->pcut) > share; en->pcut--)
			;
	}
	return en->pcut && en->pcut < p ? en->pcut : p;
}

static int emit(struct xs_fleet *f, struct encoder *en, struct xs_fleet_sketch *out, int q,
		bool sparse, size_t len, char **s)
{
	*s = arena_alloc(f, len + 1);
	if (!*s)
		return -ENOMEM;
	out->b64 = *s;
	out->p = (uint8_t)q;
	out->sparse = sparse;
	en->used += len;
	en->left--;
	return 0;
}

/* One sketch: the kernel's registers of watched victims (kmask: which
 * slots), then the events' cells, folded if the budget says so, encoded.
 * Few cells and no kernel registers (most sources, logins, small victims):
 * straight from the sorted cells, never through 2^p registers. */
static int encode(struct xs_fleet *f, struct encoder *en, int sk, uint32_t item, uint32_t kmask,
		  struct xs_fleet_sketch *out)
{
	int p = (int)f->cfg.p, q, i;
	uint32_t *cells = f->cells + f->sid_off[sk * SID_ITEMS + item];
	size_t n = f->sid_off[sk * SID_ITEMS + item + 1] - f->sid_off[sk * SID_ITEMS + item], c, len;
	const uint8_t *reg = f->scratch;
	bool sparse;
	char *s;

	if (!kmask && 3 * n < (1u << p)) {
		n = xs_fhll_cells_fold(cells, n, p, p);
		q = precision(f, en, (3 * n + 2) / 3 * 4);
		if (q < p)
			n = xs_fhll_cells_fold(cells, n, p, q);
		if (3 * n < (1u << q)) {
			if (emit(f, en, out, q, true, (3 * n + 2) / 3 * 4, &s))
				return -ENOMEM;
			xs_fhll_encode_cells(cells, n, s);
			return 0;
		}
		/* Dense after the fold: registers at q. */
		memset(f->scratch2, 0, (size_t)1 << q);
		for (c = 0; c < n; c++)
			xs_fhll_add_cell(f->scratch2, cells[c]);
		len = xs_fhll_encoded_len(f->scratch2, q, &sparse);
		if (emit(f, en, out, q, sparse, len, &s))
			return -ENOMEM;
		xs_fhll_encode(f->scratch2, q, sparse, s);
		return 0;
	}
	memset(f->scratch, 0, (size_t)1 << p);
	for (i = 0; i < XS_FLEET_WATCH; i++)
		if (kmask & (1u << i))
			xs_fhll_fold_into(f->scratch, p, f->kregs + (size_t)i * XS_FLEET_REGS,
					  XS_FLEET_P);
	for (c = 0; c < n; c++)
		xs_fhll_add_cell(f->scratch, cells[c]);
	len = xs_fhll_encoded_len(reg, p, &sparse);
	q = precision(f, en, len);
	if (q < p) {
		memset(f->scratch2, 0, (size_t)1 << q);
		xs_fhll_fold_into(f->scratch2, q, f->scratch, p);
		reg = f->scratch2;
		len = xs_fhll_encoded_len(reg, q, &sparse);
	}
	if (emit(f, en, out, q, sparse, len, &s))
		return -ENOMEM;
	xs_fhll_encode(reg, q, sparse, s);
	return 0;
}

/* Which watched slots hold this victim, or a victim in this prefix. */
static uint32_t kernel_mask(const struct xs_fleet *f, const struct xs_addr *a, bool prefix)
{
	uint32_t m = 0;
	int i;

	for (i = 0; i < XS_FLEET_WATCH; i++) {
		struct xs_addr x;

		if (!f->kon[i])
			continue;
		x = prefix ? prefix_of(&f->kaddr[i]) : f->kaddr[i];
		if (!memcmp(&x, a, sizeof(x)))
			m |= 1u << i;
	}
	return m;
}

static int build_sketches(struct build *B)
{
	struct xs_fleet *f = B->f;
	struct xs_fleet_list *L = f->out.l;
	struct encoder en = { 0 };
	uint32_t i;
	int err = 0;

	if (collect_pairs(B))
		return -ENOMEM;
	en.left = L[XS_FL_VICTIMS].n + 2 * L[XS_FL_VPREFIXES].n + L[XS_FL_LOGINS].n +
		  L[XS_FL_SOURCES].n + L[XS_FL_SPREFIXES].n;
	/* In the order the message carries them. */
	for (i = 0; !err && i < L[XS_FL_VICTIMS].n; i++) {
		struct xs_fleet_item *it = &L[XS_FL_VICTIMS].items[i];

		err = encode(f, &en, SK_VICTIM, i, kernel_mask(f, &it->addr, false), &it->h1);
	}
	for (i = 0; !err && i < L[XS_FL_VPREFIXES].n; i++) {
		struct xs_fleet_item *it = &L[XS_FL_VPREFIXES].items[i];

		err = encode(f, &en, SK_VP_VICTIMS, i, 0, &it->h2) ||
		      encode(f, &en, SK_VP_SOURCES, i, kernel_mask(f, &it->addr, true), &it->h1);
	}
	for (i = 0; !err && i < L[XS_FL_LOGINS].n; i++)
		err = encode(f, &en, SK_LOGIN, i, 0, &L[XS_FL_LOGINS].items[i].h1);
	for (i = 0; !err && i < L[XS_FL_SOURCES].n; i++)
		err = encode(f, &en, SK_SOURCE, i, 0, &L[XS_FL_SOURCES].items[i].h1);
	for (i = 0; !err && i < L[XS_FL_SPREFIXES].n; i++)
		err = encode(f, &en, SK_SP, i, 0, &L[XS_FL_SPREFIXES].items[i].h1);
	return err ? -ENOMEM : 0;
}

/* ---- the tick ------------------------------------------------------------ */

/* The top fleet_watch victims of this tick, by packets. */
static int choose_watch(struct xs_fleet *f, const struct xs_tick *t, struct xs_addr *out)
{
	size_t idx[XS_FLEET_WATCH], i, n;
	struct cand *c;

	if (!f->cfg.watch || !t->ndst)
		return 0;
	c = calloc(t->ndst, sizeof(*c));
	if (!c)
		return 0;
	for (i = 0; i < t->ndst; i++) {
		c[i].a = t->dst[i].addr;
		c[i].key = t->dst[i].v.pkts;
	}
	n = xs_top_n(t->ndst, f->cfg.watch, idx, rank_cand, c);
	for (i = 0; i < n; i++)
		out[i] = c[idx[i]].a;
	free(c);
	return (int)n;
}

void xs_fleet_tick(struct xs_fleet *f, struct xs_tick *t, double start, double end)
{
	struct xs_fleet_tick *o = &f->out;
	struct evbuf *eb = &f->ev[t->epoch & 1];
	struct build B = {
		.f = f, .t = t, .victims = &f->t_victims, .vpfx = &f->t_vpfx, .logins = &f->t_logins,
		.sources = &f->t_sources, .spfx = &f->t_spfx, .tracked = &f->t_tracked,
		.vlisted = &f->t_vlisted, .slisted = &f->t_slisted,
	};
	struct xs_addr watch[XS_FLEET_WATCH];
	uint64_t s_us = start > 0 ? (uint64_t)(start * 1e6 + 0.5) : 0;
	uint64_t e_us = end > 0 ? (uint64_t)(end * 1e6 + 0.5) : 0;
	int nw, err, i;

	t->fleet = NULL;
	if (eb->used && eb->epoch == t->epoch) {
		B.ev = eb->v;
		B.nev = eb->n;
	}
	o->events_dropped = eb->used && eb->epoch == t->epoch ? eb->dropped : 0;
	/* seq: the start, unless the clock went back (docs/fleet.md). */
	o->seq = s_us > f->last_seq ? s_us : f->last_seq + 1;
	f->last_seq = o->seq;
	o->start_us = s_us;
	o->length_us = e_us > s_us ? e_us - s_us : 1;
	o->hll = f->cfg.have_key;
	memcpy(o->key_id, f->cfg.key_id, sizeof(o->key_id));
	for (i = 0; i < XS_FL_MAX; i++) {
		o->l[i].n = 0;
		o->l[i].omitted = o->l[i].floor = 0;
	}
	arena_reset(f);
	if (f->ctl) {
		read_sketches(f, t->epoch & 1);
		f->ctl->last_flip_us = e_us;
		f->ctl->last_seq = o->seq;
	}
	err = build_lists(&B);
	if (!err)
		err = build_tops(&B);
	if (!err && f->cfg.have_key)
		err = build_sketches(&B);
	nw = choose_watch(f, t, watch);
	if (f->ctl)
		set_watch(f, t->epoch & 1, watch, nw);
	/* This epoch's events are spent. */
	if (eb->used && eb->epoch == t->epoch)
		eb->n = eb->dropped = 0;
	if (err) {
		if (!f->warned_oom)
			xs_warn("out of memory for the fleet aggregates: ticks go without them");
		f->warned_oom = true;
		return;
	}
	t->fleet = o;
}

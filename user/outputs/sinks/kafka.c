// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * kafka: alerts (key: event id, so one alert's start/update/end stay in one
 * partition, in order) and per-tick aggregates (key: the sensor name) to
 * Apache Kafka through librdkafka, exactly once for consumers that read
 * with isolation.level=read_committed.
 *
 * Every message goes out inside a transaction (transactional.id stable per
 * sensor and output). A transaction is committed transaction_ms after its
 * first message; a message is visible to read_committed consumers only
 * then. Whatever goes wrong before the commit (a message timed out, a
 * broker gone, a message that reached the broker although its delivery
 * report says it failed) ends in an abort, and an aborted transaction is
 * never visible: its messages are sent again, in order, in a new one.
 *
 * The one case an abort cannot settle is a commit whose answer never came
 * (the broker paused, the daemon stopped or killed meanwhile): did it
 * commit or not? So each transaction also commits, as the offset of a
 * consumer group named like the transactional id, its watermark: the
 * number after its last message (messages are numbered in the order they
 * are produced into transactions, "txseq"). A new producer's
 * init_transactions() completes or aborts what its predecessor left open
 * (fencing it); then the group's committed offset tells exactly which
 * messages in doubt were committed: those numbered below it. The offset's
 * metadata signs it with the producer run that numbered them (a random
 * nonce): numbers of another run with our id (a configuration error) do
 * not compare, and what is in doubt is then sent again rather than lost.
 *
 * Messages in a transaction in doubt stay in memory, or, at shutdown and
 * when the doubt lasts longer than delivery_timeout_ms, go to the spool
 * with a marker of their numbers (spool.h), so the next start can decide.
 * The spool also takes everything that waited longer than delivery_
 * timeout_ms, and then every new message until it has been re-sent (in
 * transactions, records marked before they are produced), which keeps
 * each key in order.
 *
 * The transactional calls block; a worker thread makes them (kafka_txn.c).
 * This file runs on the daemon's loop: it produces into the open
 * transaction and reads delivery reports and errors as events.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <librdkafka/rdkafka.h>

#include "clock.h"
#include "aggregates.h"
#include "kafka_destroy.h"
#include "kafka_txn.h"
#include "hostname.h"
#include "log.h"
#include "sink.h"
#include "spool.h"

#define SPOOL_DIR "/var/lib/xdpstream"
/* At most this much in one transaction (far below librdkafka's queue). */
#define TXN_MAX_MSGS 10000
#define TXN_MAX_BYTES (16u << 20)

struct kmsg {
	struct kmsg *next;
	char *topic;
	char *key; /* NULL: none */
	char *payload;
	size_t len;
	uint64_t ord;	/* its spool record, 0 if not in the spool */
	uint64_t txseq; /* its number in the transaction it is in */
	double born;	/* monotonic, when the sink got it */
	bool reject;	/* refused for good by the broker */
};

struct kq {
	struct kmsg *head, *tail;
	size_t n;
	size_t bytes;
};

enum phase {
	PH_INIT,   /* the worker is making the producer ready */
	PH_OPEN,   /* a transaction is open; the loop produces into it */
	PH_COMMIT, /* the worker commits it */
	PH_ABORT,  /* the worker aborts it */
	PH_DOWN,   /* no usable producer: a new one at recover_at */
};

struct kafka_sink {
	struct kafka_sink *left_next; /* on left_running, once kf_close left its worker */
	/* configuration */
	char brokers[1024];
	char topic[250];
	char agg_topic[250];
	char sensor[256];
	char txn_id[300];
	uint32_t top_n;
	uint32_t delivery_timeout_ms;
	uint32_t close_timeout_ms;
	uint32_t spool_retry_ms;
	uint32_t transaction_ms;
	uint64_t spool_max_mb;
	char spool_path[512];
	rd_kafka_conf_t *conf;
	/* state */
	struct xs_sink *s;
	rd_kafka_t *rk; /* NULL while the worker replaces it */
	rd_kafka_queue_t *mainq;
	int evfd[2];
	struct kt_worker w;
	enum phase phase;
	struct kq pending;   /* not produced yet, oldest first */
	struct kq txn;	     /* produced into the open (or ending) transaction */
	double txn_first;    /* when its first message was produced */
	uint64_t txn_offset; /* the watermark it commits */
	bool txn_from_spool; /* its messages are spool records (marked) */
	bool txn_spilled;    /* copied to the spool with a marker while in doubt */
	bool txn_doubt;	     /* its commit's outcome is unknown */
	bool commit_now;
	double commit_started;
	uint64_t next_seq;    /* the next txseq */
	uint64_t committed_w; /* the watermark of the last known commit */
	uint64_t next_ord;    /* the next spool record's seq */
	bool spooling;	      /* new messages go to the spool */
	bool spool_on;
	bool closing;
	bool ready_once;
	struct xs_spool spool;
	double retry_at, recover_at;
	unsigned int resend_fails, fatals;
	uint64_t lost_warned;
	double last_err_log;
	char last_fatal[256];
	bool abort_warned;
	bool foreign;	/* a watermark of another producer was met */
	uint64_t nonce; /* this producer's signature on its watermarks */
};

static const char *const protocols[] = {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl", NULL};

/* Sets a librdkafka property; a refusal is a config error at key. */
static int conf_set(rd_kafka_conf_t *conf, xs_node at, const char *prop, const char *val)
{
	char err[512];

	if (rd_kafka_conf_set(conf, prop, val, err, sizeof(err)) == RD_KAFKA_CONF_OK)
		return 0;
	xs_cfg_error(at, "librdkafka refuses %s=%s: %s", prop, val, err);
	return -1;
}

static int configure_security(struct kafka_sink *p, xs_node sec)
{
	static const struct {
		const char *key, *prop;
		bool file;
	} keys[] = {
	    {"ca_file", "ssl.ca.location", true},
	    {"cert_file", "ssl.certificate.location", true},
	    {"key_file", "ssl.key.location", true},
	    {"key_password", "ssl.key.password", false},
	    {"sasl_mechanism", "sasl.mechanism", false},
	    {"sasl_username", "sasl.username", false},
	    {"sasl_password", "sasl.password", false},
	};
	char val[1024], mech[32] = "";
	size_t i;
	int proto = 0, err = 0;

	if (!xs_node_present(sec))
		return 0;
	if (!xs_cfg_enum(sec, "protocol", protocols, &proto) &&
	    xs_node_present(xs_cfg_get(sec, "protocol")))
		err |= conf_set(p->conf, xs_cfg_get(sec, "protocol"), "security.protocol",
				protocols[proto]);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		val[0] = '\0';
		if (xs_cfg_str(sec, keys[i].key, val, sizeof(val))) {
			err = -1;
			continue;
		}
		if (!val[0])
			continue;
		if (!strcmp(keys[i].key, "sasl_mechanism"))
			snprintf(mech, sizeof(mech), "%s", val);
		if (keys[i].file && xs_out_check_readable(sec, keys[i].key, val)) {
			err = -1;
			continue;
		}
		err |= conf_set(p->conf, xs_cfg_get(sec, keys[i].key), keys[i].prop, val);
	}
	/* Anyone on the path reads a PLAIN password sent without TLS. */
	if (!strcmp(protocols[proto], "sasl_plaintext") && !strcasecmp(mech, "PLAIN"))
		xs_warn("output %s: SASL PLAIN over sasl_plaintext sends the password in clear "
			"text: use protocol sasl_ssl", p->s->name);
	xs_cfg_check_unknown(sec);
	return err;
}

static int kf_configure(struct xs_sink *s, xs_node n)
{
	struct kafka_sink *p = calloc(1, sizeof(*p));
	xs_node props;
	char host[200], num[24];
	size_t len;
	int i, err = 0;

	if (!p)
		return -ENOMEM;
	s->priv = p;
	p->s = s;
	p->evfd[0] = p->evfd[1] = -1;
	snprintf(p->topic, sizeof(p->topic), "xdpstream.alerts");
	snprintf(p->agg_topic, sizeof(p->agg_topic), "xdpstream.aggregates");
	p->top_n = 10;
	p->delivery_timeout_ms = 60000;
	p->close_timeout_ms = 5000;
	p->spool_retry_ms = 10000;
	p->transaction_ms = 100;
	p->spool_max_mb = 256;
	snprintf(p->spool_path, sizeof(p->spool_path), SPOOL_DIR "/%s.spool", s->name);
	p->conf = rd_kafka_conf_new();
	err |= xs_cfg_str(n, "topic", p->topic, sizeof(p->topic));
	err |= xs_cfg_str(n, "aggregates_topic", p->agg_topic, sizeof(p->agg_topic));
	err |= xs_cfg_str(n, "sensor_name", p->sensor, sizeof(p->sensor));
	err |= xs_cfg_str(n, "transactional_id", p->txn_id, sizeof(p->txn_id));
	err |= xs_cfg_u32(n, "top_n", 1, 10000, &p->top_n);
	/* The transaction timeout is derived from these two and must stay
	 * below the brokers' transaction.max.timeout.ms (15 min by default). */
	err |= xs_cfg_u32(n, "delivery_timeout_ms", 1000, 600000, &p->delivery_timeout_ms);
	err |= xs_cfg_u32(n, "transaction_ms", 10, 60000, &p->transaction_ms);
	err |= xs_cfg_u32(n, "close_timeout_ms", 0, 600000, &p->close_timeout_ms);
	err |= xs_cfg_u32(n, "spool_retry_ms", 100, 3600000, &p->spool_retry_ms);
	err |= xs_cfg_u64(n, "spool_max_mb", 1, 1 << 20, &p->spool_max_mb);
	err |= xs_cfg_str(n, "spool", p->spool_path, sizeof(p->spool_path));
	/* Every key read before any early return: no false "unknown key". */
	if (!xs_node_present(xs_cfg_get(n, "brokers"))) {
		xs_cfg_error(n, "missing 'brokers:' (host:port[,host:port...])");
		err = -1;
	} else if (!xs_cfg_str(n, "brokers", p->brokers, sizeof(p->brokers))) {
		err |= xs_out_check_hostport_list(n, "brokers", p->brokers);
	} else {
		err = -1;
	}
	if (!p->topic[0]) {
		xs_cfg_error(xs_cfg_get(n, "topic"), "expected a topic name");
		err = -1;
	}
	p->spool_on = p->spool_path[0] != '\0';
	if (!p->sensor[0])
		snprintf(p->sensor, sizeof(p->sensor), "%s", xs_hostname());
	if (!p->txn_id[0])
		snprintf(p->txn_id, sizeof(p->txn_id), "xdpstream-%s-%s", p->sensor, s->name);
	snprintf(host, sizeof(host), "xdpstream-%s", xs_hostname());

	/* Our defaults first; security: and properties: may override them. */
	snprintf(num, sizeof(num), "%u", p->delivery_timeout_ms);
	err |= conf_set(p->conf, xs_cfg_get(n, "brokers"), "bootstrap.servers", p->brokers);
	err |= conf_set(p->conf, n, "client.id", host);
	err |= conf_set(p->conf, n, "enable.idempotence", "true");
	err |= conf_set(p->conf, n, "acks", "all");
	err |= conf_set(p->conf, xs_cfg_get(n, "delivery_timeout_ms"), "message.timeout.ms", num);
	err |= conf_set(p->conf, xs_cfg_get(n, "transactional_id"), "transactional.id", p->txn_id);
	/* A transaction lives transaction_ms, then its commit waits up to
	 * delivery_timeout_ms for the last message; past that, the
	 * coordinator aborts it on its own (and read_committed consumers
	 * wait no longer than that for one a crash left open). */
	snprintf(num, sizeof(num), "%u", p->delivery_timeout_ms + p->transaction_ms + 30000);
	err |= conf_set(p->conf, n, "transaction.timeout.ms", num);
	/* The Java client's partitioner: a key lands where Kafka Streams
	 * and other Java consumers expect it. */
	err |= conf_set(p->conf, n, "partitioner", "murmur2_random");
	/* librdkafka's log lines come as events on the main queue (read at
	 * debug by the loop), like delivery reports and errors: nothing of
	 * ours runs on librdkafka's threads or on the worker. */
	err |= conf_set(p->conf, n, "log.queue", "true");
	rd_kafka_conf_set_events(p->conf,
				 RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG);
	err |= configure_security(p, xs_cfg_get_map(n, "security"));
	props = xs_cfg_get_map(n, "properties");
	for (i = 0; i < xs_cfg_map_len(props); i++) {
		xs_node v = xs_cfg_map_val(props, i);
		const char *val = xs_node_scalar(v);

		if (!val) {
			xs_cfg_error(v, "expected a value (librdkafka properties are strings)");
			err = -1;
			continue;
		}
		err |= conf_set(p->conf, v, xs_cfg_map_key(props, i), val);
	}
	/* properties: may have set another id: the watermark's group follows. */
	len = sizeof(p->txn_id);
	if (rd_kafka_conf_get(p->conf, "transactional.id", p->txn_id, &len) != RD_KAFKA_CONF_OK ||
	    !p->txn_id[0]) {
		xs_cfg_error(xs_cfg_get_map(n, "properties"),
			     "transactional.id cannot be empty (exactly-once needs it)");
		err = -1;
	}
	return err ? -1 : 0;
}

/* --- messages and queues ------------------------------------------------ */

static struct kmsg *kmsg_new(const char *topic, const char *key, const void *payload, size_t len,
			     double born)
{
	struct kmsg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->topic = strdup(topic);
	m->key = key && key[0] ? strdup(key) : NULL;
	m->payload = malloc(len + 1);
	if (!m->topic || (key && key[0] && !m->key) || !m->payload) {
		free(m->topic);
		free(m->key);
		free(m->payload);
		free(m);
		return NULL;
	}
	memcpy(m->payload, payload, len);
	m->payload[len] = '\0';
	m->len = len;
	m->born = born;
	return m;
}

static void kmsg_free(struct kmsg *m)
{
	free(m->topic);
	free(m->key);
	free(m->payload);
	free(m);
}

static void kq_push(struct kq *q, struct kmsg *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->n++;
	q->bytes += m->len;
}

static struct kmsg *kq_pop(struct kq *q)
{
	struct kmsg *m = q->head;

	if (!m)
		return NULL;
	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->n--;
	q->bytes -= m->len;
	m->next = NULL;
	return m;
}

/* Puts all of src in front of dst (src keeps its order). */
static void kq_prepend(struct kq *dst, struct kq *src)
{
	if (!src->head)
		return;
	src->tail->next = dst->head;
	if (!dst->tail)
		dst->tail = src->tail;
	dst->head = src->head;
	dst->n += src->n;
	dst->bytes += src->bytes;
	*src = (struct kq){};
}

static void kq_clear(struct kq *q)
{
	struct kmsg *m;

	while ((m = kq_pop(q)))
		kmsg_free(m);
}

/* Errors that re-sending cannot fix. */
static bool permanent(rd_kafka_resp_err_t e)
{
	switch (e) {
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_INVALID_MSG:
	case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
	case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
	case RD_KAFKA_RESP_ERR__INVALID_ARG:
		return true;
	default:
		return false;
	}
}

static void count_lost(struct kafka_sink *p, uint64_t n, const char *why)
{
	struct xs_sink *s = p->s;

	s->st.failed += n;
	if (s->st.failed - p->lost_warned >= 1000 || !p->lost_warned) {
		xs_warn("output %s: message lost (%s); %llu lost so far", s->name, why,
			(unsigned long long)s->st.failed);
		p->lost_warned = s->st.failed;
	}
}

/* What the spool's worker found: records a failed write lost (counted
 * here), a rewrite that failed (its records stay: sent again later). */
static void spool_news(struct kafka_sink *p)
{
	char why[160];
	uint64_t lost;
	int err;

	lost = xs_spool_poll(&p->spool, &err);
	if (lost) {
		snprintf(why, sizeof(why), "cannot write the spool: %s", strerror(-err));
		count_lost(p, lost, why);
	} else if (err) {
		xs_warn("output %s: cannot rewrite %s: %s", p->s->name, p->spool_path,
			strerror(-err));
	}
}

/* Appends m to the spool as a new record (m->ord set); 0 or -errno. */
static int spool_put(struct kafka_sink *p, struct kmsg *m)
{
	int err;

	if (!p->spool_on)
		return -EBADF;
	err = xs_spool_append(&p->spool, p->next_ord, m->topic, m->key, m->payload, m->len);
	if (err)
		return err;
	m->ord = p->next_ord++;
	p->s->st.spooled_total++;
	return 0;
}

/* A message that arrives while the spool holds older ones. */
static void spool_new(struct kafka_sink *p, struct kmsg *m)
{
	int err = spool_put(p, m);

	if (err)
		count_lost(p, 1, p->spool_on ? strerror(-err) : "no spool configured");
	kmsg_free(m);
}

static void enter_spooling(struct kafka_sink *p, double now, const char *why)
{
	if (p->spooling)
		return;
	p->spooling = true;
	p->retry_at = now + p->spool_retry_ms / 1000.0;
	if (!p->closing)
		xs_warn("output %s: not delivered within %u ms (%s): spooling to %s until the "
			"brokers take messages again",
			p->s->name, p->delivery_timeout_ms, why, p->spool_path);
}

/*
 * Moves what waits in memory to the spool, in order: the transaction being
 * committed (with a marker: it is in doubt) and then everything pending.
 * Without a spool, pending messages are lost (counted) and the transaction
 * in doubt stays in memory until it is settled.
 */
static void spill(struct kafka_sink *p, double now, const char *why)
{
	struct kmsg *m;
	uint64_t first = 0, n = 0;
	int err = 0;

	if (!p->spool_on) {
		if (p->pending.n)
			count_lost(p, p->pending.n,
				   "not delivered in time and no spool configured");
		kq_clear(&p->pending);
		return;
	}
	if (p->txn.n && !p->txn_from_spool && !p->txn_spilled &&
	    (p->phase == PH_COMMIT || p->txn_doubt)) {
		/* The marker first: no record of it is ever in the file
		 * without (a crash between two writes must not make one look
		 * never sent). */
		first = p->next_ord;
		err = xs_spool_mark(&p->spool, first, p->txn.n, p->txn.head->txseq, p->nonce);
		for (m = p->txn.head; m && !err; m = m->next)
			if (!(err = spool_put(p, m)))
				n++;
		if (err) {
			/* The numbers it did not get go to later records: those
			 * are not in doubt. The transaction stays in memory (and
			 * a restart before it is settled loses it). */
			if (n < p->txn.n)
				xs_spool_mark(&p->spool, first + n, p->txn.n - n, 0, 0);
			xs_warn("output %s: cannot spool a transaction in doubt: %s", p->s->name,
				strerror(-err));
		} else {
			p->txn_spilled = true;
		}
	}
	while ((m = kq_pop(&p->pending))) {
		err = spool_put(p, m);
		if (err)
			count_lost(p, 1, strerror(-err));
		kmsg_free(m);
	}
	xs_spool_sync(&p->spool);
	enter_spooling(p, now, why);
}

/* --- the loop's side of the transactions ---------------------------------- */

/* Produces m into the open transaction as number seq. */
static rd_kafka_resp_err_t produce(struct kafka_sink *p, struct kmsg *m, uint64_t seq)
{
	return rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(m->topic),
				 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				 RD_KAFKA_V_KEY(m->key, m->key ? strlen(m->key) : 0),
				 RD_KAFKA_V_VALUE(m->payload, m->len),
				 RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq), RD_KAFKA_V_END);
}

static void txn_add(struct kafka_sink *p, struct kmsg *m, double now)
{
	if (!p->txn.n)
		p->txn_first = now;
	kq_push(&p->txn, m);
}

static void submit(struct kafka_sink *p, enum kt_job job, enum phase ph,
		   rd_kafka_topic_partition_list_t *parts)
{
	p->phase = ph;
	kt_submit(&p->w, job, parts);
}

/* Adds (topic, 0) to parts unless there, with offset and, if owner, the
 * owner as its metadata (16 hex digits). */
static void add_topic(rd_kafka_topic_partition_list_t *parts, const char *topic, int64_t offset,
		      uint64_t owner)
{
	rd_kafka_topic_partition_t *tp;
	char hex[17];

	if (!topic[0] || rd_kafka_topic_partition_list_find(parts, topic, 0))
		return;
	tp = rd_kafka_topic_partition_list_add(parts, topic, 0);
	tp->offset = offset;
	if (owner) {
		snprintf(hex, sizeof(hex), "%016" PRIx64, owner);
		tp->metadata = strdup(hex);
		tp->metadata_size = tp->metadata ? 16 : 0;
	}
}

/* producev() refused; true if the message can go later (not its fault). */
static bool produce_later(struct kafka_sink *p, rd_kafka_resp_err_t e, const char *topic)
{
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL || e == RD_KAFKA_RESP_ERR__STATE ||
	    e == RD_KAFKA_RESP_ERR__FATAL) {
		/* The queue is full (commit what is in it), or the transaction
		 * has failed already (committing it aborts it; an empty one is
		 * aborted, to begin a good one). */
		if (p->txn.n)
			p->commit_now = true;
		else if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			submit(p, KT_ABORT, PH_ABORT, NULL);
		return true;
	}
	p->s->st.failed++;
	xs_warn("output %s: cannot produce to %s: %s (dropped)", p->s->name, topic,
		rd_kafka_err2str(e));
	return false;
}

/* Produces what is pending into the open transaction. */
static void fill_txn(struct kafka_sink *p, double now)
{
	struct kmsg *m;
	rd_kafka_resp_err_t e;

	if (p->phase != PH_OPEN || p->spooling || p->txn_from_spool)
		return;
	while ((m = p->pending.head)) {
		if (m->reject) {
			/* Refused for good (reported after its transaction failed). */
			p->s->st.failed++;
			kmsg_free(kq_pop(&p->pending));
			continue;
		}
		if (p->txn.n >= TXN_MAX_MSGS || p->txn.bytes >= TXN_MAX_BYTES) {
			p->commit_now = true;
			return;
		}
		e = produce(p, m, p->next_seq);
		if (e) {
			if (produce_later(p, e, m->topic))
				return;
			kmsg_free(kq_pop(&p->pending));
			continue;
		}
		kq_pop(&p->pending);
		m->txseq = p->next_seq++;
		txn_add(p, m, now);
	}
}

static void enqueue(struct kafka_sink *p, const char *topic, const char *key, const char *payload)
{
	double now = xs_mono_s();
	struct kmsg *m = kmsg_new(topic, key, payload, strlen(payload), now);

	if (!m) {
		count_lost(p, 1, strerror(ENOMEM));
		return;
	}
	if (p->spooling) {
		spool_new(p, m);
		return;
	}
	kq_push(&p->pending, m);
	fill_txn(p, now);
}

static void maybe_commit(struct kafka_sink *p, double now)
{
	rd_kafka_topic_partition_list_t *offs;
	struct kmsg *m;

	if (p->phase != PH_OPEN || !p->txn.n)
		return;
	if (!p->commit_now && !p->txn_from_spool && !p->closing &&
	    now - p->txn_first < p->transaction_ms / 1000.0)
		return;
	p->commit_now = false;
	p->commit_started = now;
	p->txn_offset = p->next_seq;
	/* The watermark goes with every topic the transaction wrote to
	 * (partition 0): those exist (offsets of a topic that does not are
	 * refused), and a message in doubt is compared with its topic's. */
	offs = rd_kafka_topic_partition_list_new(2);
	for (m = p->txn.head; m; m = m->next)
		add_topic(offs, m->topic, (int64_t)p->txn_offset, p->nonce);
	submit(p, KT_COMMIT, PH_COMMIT, offs);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Rewrites the spool without the records done (and without markers). */
static void spool_drop(struct kafka_sink *p, uint64_t *done, size_t n)
{
	int err;

	if (!n && !p->spool.marks)
		return;
	qsort(done, n, sizeof(*done), cmp_u64);
	err = xs_spool_remove(&p->spool, done, n);
	if (err)
		/* The records stay, with their markers: committed_w tells they
		 * are done when the spool is next read. */
		xs_warn("output %s: cannot rewrite %s: %s", p->s->name, p->spool_path,
			strerror(-err));
}

/* The ords of the transaction's messages (those in the spool), sorted. */
static uint64_t *txn_ords(struct kafka_sink *p, size_t *n, bool rejected_only)
{
	uint64_t *ords = calloc(p->txn.n + 1, sizeof(*ords));
	struct kmsg *m;

	*n = 0;
	if (!ords)
		return NULL;
	for (m = p->txn.head; m; m = m->next)
		if (m->ord && (!rejected_only || m->reject))
			ords[(*n)++] = m->ord;
	qsort(ords, *n, sizeof(*ords), cmp_u64);
	return ords;
}

/* The transaction committed. */
static void txn_committed(struct kafka_sink *p, double now)
{
	struct xs_sink *s = p->s;
	bool in_spool = p->txn_from_spool || p->txn_spilled;
	uint64_t *ords;
	size_t n;

	s->st.sent += p->txn.n;
	if (in_spool) {
		s->st.resent += p->txn.n;
		ords = txn_ords(p, &n, false);
		if (ords) {
			if (xs_spool_remove(&p->spool, ords, n))
				xs_warn("output %s: cannot rewrite %s (its records are known to be "
					"sent)",
					s->name, p->spool_path);
		}
		free(ords);
		if (p->txn_from_spool)
			xs_info("output %s: re-sent %zu spooled messages", s->name, p->txn.n);
	}
	if (p->txn_offset > p->committed_w)
		p->committed_w = p->txn_offset;
	kq_clear(&p->txn);
	p->txn_from_spool = p->txn_spilled = p->txn_doubt = false;
	p->resend_fails = 0;
	p->abort_warned = false;
	if (p->spooling) {
		if (!p->spool.count) {
			p->spooling = false;
			xs_info("output %s: spool empty, producing directly again", s->name);
		} else if (in_spool) {
			p->retry_at = now; /* the next part now */
		}
	}
}

/* The transaction will never be committed: its messages go again. */
static void txn_failed(struct kafka_sink *p, double now, const char *why)
{
	struct xs_sink *s = p->s;
	struct kmsg *m, *next;
	struct kq keep = {};
	uint64_t *ords, nrej = 0;
	size_t n;

	/* Once per episode (a commit ends it); the rest at debug. */
	xs_log(p->abort_warned ? XS_LOG_DEBUG : XS_LOG_WARN,
	       "output %s: transaction of %zu messages aborted (%s): they are sent again", s->name,
	       p->txn.n, why);
	p->abort_warned = true;
	for (m = p->txn.head; m; m = m->next)
		nrej += m->reject;
	if (nrej) {
		s->st.failed += nrej;
		xs_warn("output %s: %" PRIu64 " messages refused by the brokers for good "
			"(dropped)",
			s->name, nrej);
	}
	if (p->txn_from_spool || p->txn_spilled) {
		/* In the spool: not in doubt any more (a cancel marker), and
		 * what the brokers refused for good leaves it. */
		ords = txn_ords(p, &n, false);
		if (ords && n)
			xs_spool_mark(&p->spool, ords[0], n, 0, 0);
		free(ords);
		ords = txn_ords(p, &n, true);
		if (ords && n)
			spool_drop(p, ords, n);
		free(ords);
		xs_spool_sync(&p->spool);
		kq_clear(&p->txn);
		p->resend_fails++;
		p->retry_at = now + (p->resend_fails > 1 ? p->spool_retry_ms / 1000.0 : 0);
		if (!p->spooling)
			enter_spooling(p, now, why);
	} else {
		/* In memory: back in front of what is pending, in order. */
		for (m = p->txn.head; m; m = next) {
			next = m->next;
			if (m->reject) {
				kmsg_free(m);
				continue;
			}
			kq_push(&keep, m);
		}
		p->txn = (struct kq){};
		kq_prepend(&p->pending, &keep);
	}
	p->txn_from_spool = p->txn_spilled = p->txn_doubt = false;
}

/* Was the message numbered txseq by owner, of topic, committed? The
 * watermarks say (those read, wms, or else ours, wm): if the last commit
 * was the owner's, it was iff its number is below. If another producer
 * committed since (one more with our transactional id: a configuration
 * error), the numbers do not compare: not committed, sent again (it may
 * arrive twice, but is not lost). */
static bool committed(struct kafka_sink *p, const rd_kafka_topic_partition_list_t *wms, uint64_t wm,
		      const char *topic, uint64_t txseq, uint64_t owner)
{
	const rd_kafka_topic_partition_t *tp;
	uint64_t by = p->nonce;

	if (!txseq)
		return false;
	if (wms) {
		tp = rd_kafka_topic_partition_list_find(wms, topic, 0);
		if (!tp || tp->offset <= 0)
			return false;
		wm = (uint64_t)tp->offset;
		by = tp->metadata && tp->metadata_size == 16
			 ? strtoull(strndupa(tp->metadata, 16), NULL, 16)
			 : 0;
	}
	if (by != owner) {
		/* A later run of ours numbers from the watermark it found, so
		 * its watermark is never above our numbers unless another
		 * producer was numbering at the same time: say so. */
		if (txseq < wm)
			p->foreign = true;
		return false;
	}
	return txseq < wm;
}

/* The watermarks are known (those read, wms, or the last commit's, wm):
 * every message numbered below its topic's was committed, every other one
 * was not. Settles the transaction in doubt in memory and the marked spool
 * records. */
static void settle(struct kafka_sink *p, const rd_kafka_topic_partition_list_t *wms, uint64_t wm,
		   double now)
{
	struct xs_sink *s = p->s;
	struct xs_spool_rec *r = NULL;
	struct kmsg *m, *next;
	struct kq keep = {};
	uint64_t *done = NULL, ncommitted = 0;
	size_t n = 0, nd = 0, i, j, k;

	if (p->txn.n && p->txn_doubt && !p->txn_spilled && !p->txn_from_spool) {
		for (m = p->txn.head; m; m = next) {
			next = m->next;
			if (committed(p, wms, wm, m->topic, m->txseq, p->nonce)) {
				s->st.sent++;
				ncommitted++;
				kmsg_free(m);
				continue;
			}
			m->txseq = 0;
			kq_push(&keep, m);
		}
		p->txn = (struct kq){};
		kq_prepend(&p->pending, &keep);
	} else if (!p->txn_from_spool && !p->txn_spilled) {
		/* Never committed (the producer failed before its commit). */
		kq_prepend(&p->pending, &p->txn);
	}
	kq_clear(&p->txn);
	p->txn_from_spool = p->txn_spilled = p->txn_doubt = false;

	if (p->spool_on && p->spool.marks && !xs_spool_load(&p->spool, &r, &n)) {
		done = calloc(n + 1, sizeof(*done));
		for (i = 0; done && i < n; i++)
			if (committed(p, wms, wm, r[i].topic, r[i].txseq, r[i].txowner))
				done[nd++] = r[i].seq;
		/* The others were not committed: cancel their markers, run by
		 * run, before anything is dropped (done[] is in seq order). */
		for (i = 0, k = 0; done && i < n; i = j) {
			if (k < nd && done[k] == r[i].seq) {
				k++;
				j = i + 1;
				continue;
			}
			for (j = i; j < n && !(k < nd && done[k] == r[j].seq); j++)
				;
			xs_spool_mark(&p->spool, r[i].seq, j - i, 0, 0);
		}
		xs_spool_sync(&p->spool);
		if (done) {
			s->st.sent += nd;
			s->st.resent += nd;
			ncommitted += nd;
			spool_drop(p, done, nd);
		}
		free(done);
		xs_spool_free_recs(r, n);
	}
	if (ncommitted)
		xs_info("output %s: %" PRIu64 " messages of a transaction in doubt had been "
			"committed: not sent again",
			s->name, ncommitted);
	if (p->foreign)
		xs_err("output %s: another producer with transactional.id %s committed since "
		       "messages here were in doubt (two sensors or outputs with one id?): they "
		       "are sent again and may arrive twice",
		       s->name, p->txn_id);
	p->foreign = false;
	if (p->spooling && p->spool_on && !p->spool.count && !p->pending.n) {
		p->spooling = false;
		xs_info("output %s: spool empty, producing directly again", s->name);
	}
	(void)now;
}

/* Takes up to a transaction's worth of the spool, marks it, produces it. */
static void start_resend(struct kafka_sink *p, double now)
{
	struct xs_spool_rec *r = NULL;
	uint64_t base = p->next_seq, *rej = NULL;
	size_t n = 0, k = 0, bytes = 0, i, nrej = 0;
	rd_kafka_resp_err_t e;

	if (p->spool.marks)
		settle(p, NULL, p->committed_w, now);
	if (xs_spool_load(&p->spool, &r, &n)) {
		p->retry_at = now + p->spool_retry_ms / 1000.0;
		return;
	}
	if (!n) {
		p->spooling = false;
		xs_info("output %s: spool empty, producing directly again", p->s->name);
		fill_txn(p, now);
		free(r);
		return;
	}
	while (k < n && k < TXN_MAX_MSGS && bytes < TXN_MAX_BYTES)
		bytes += r[k++].len;
	/* Marked before anything leaves: if the commit's answer is lost and
	 * the daemon ends, the next start knows what to compare. */
	if (xs_spool_mark(&p->spool, r[0].seq, k, base, p->nonce)) {
		xs_spool_free_recs(r, n);
		p->retry_at = now + p->spool_retry_ms / 1000.0;
		return;
	}
	xs_spool_sync(&p->spool);
	rej = calloc(k + 1, sizeof(*rej));
	p->txn_from_spool = true;
	for (i = 0; i < k; i++) {
		struct kmsg *m = kmsg_new(r[i].topic, r[i].key, r[i].payload, r[i].len, now);

		if (!m)
			break;
		m->ord = r[i].seq;
		e = produce(p, m, base + i);
		if (e && (!rej || produce_later(p, e, m->topic))) {
			kmsg_free(m);
			break;
		}
		if (e) {
			rej[nrej++] = m->ord; /* dropped from the spool */
			kmsg_free(m);
			continue;
		}
		m->txseq = base + i;
		txn_add(p, m, now);
	}
	/* Numbers stay those of the marker, produced or not. */
	p->next_seq = base + k;
	if (i < k) {
		/* The rest did not go out: not in doubt. */
		xs_spool_mark(&p->spool, r[i].seq, k - i, 0, 0);
		xs_spool_sync(&p->spool);
	}
	if (nrej)
		spool_drop(p, rej, nrej);
	free(rej);
	xs_spool_free_recs(r, n);
	if (!p->txn.n) {
		p->txn_from_spool = false;
		if (p->phase == PH_OPEN)
			p->retry_at = now + p->spool_retry_ms / 1000.0;
	}
}

/* --- events from librdkafka ---------------------------------------------- */

/* The message produced as seq: in the transaction, or back in pending
 * after it failed (a report can come after the failure). */
static struct kmsg *txn_find(struct kafka_sink *p, uint64_t seq)
{
	struct kmsg *m;

	for (m = p->txn.head; m; m = m->next)
		if (m->txseq == seq)
			return m;
	for (m = p->pending.head; m; m = m->next)
		if (m->txseq == seq)
			return m;
	return NULL;
}

static void on_dr(struct kafka_sink *p, rd_kafka_event_t *ev)
{
	const rd_kafka_message_t *msg;
	struct kmsg *m;

	while ((msg = rd_kafka_event_message_next(ev))) {
		if (!msg->err)
			continue;
		if (permanent(msg->err) && (m = txn_find(p, (uintptr_t)msg->_private)))
			m->reject = true;
		/* "possibly persisted": it may well be in the broker's log (in
		 * this transaction, which will now be aborted). */
		xs_dbg("output %s: message to %s not delivered: %s%s", p->s->name,
		       rd_kafka_topic_name(msg->rkt), rd_kafka_err2str(msg->err),
		       rd_kafka_message_status(msg) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED
			   ? " (possibly persisted)"
			   : "");
	}
}

static void release_queue(struct kafka_sink *p)
{
	if (!p->mainq)
		return;
	rd_kafka_queue_io_event_enable(p->mainq, -1, NULL, 0);
	rd_kafka_queue_destroy(p->mainq);
	p->mainq = NULL;
}

static void attach_queue(struct kafka_sink *p)
{
	/* librdkafka writes a byte to the pipe when its queue gets events:
	 * that wakes the daemon's loop for delivery reports. */
	p->mainq = rd_kafka_queue_get_main(p->rk);
	if (p->evfd[1] >= 0)
		rd_kafka_queue_io_event_enable(p->mainq, p->evfd[1], "1", 1);
}

static void go_down(struct kafka_sink *p, double now, const char *why)
{
	if (strcmp(why, p->last_fatal))
		xs_err("output %s: the Kafka producer failed: %s; a new one follows", p->s->name,
		       why);
	snprintf(p->last_fatal, sizeof(p->last_fatal), "%s", why);
	p->fatals++;
	p->phase = PH_DOWN;
	/* Twice in a row is likely another producer with our transactional
	 * id (fencing us): do not fight it at full speed. */
	p->recover_at = now + (p->fatals > 1 ? p->spool_retry_ms / 1000.0 : 1.0);
}

static void poll_events(struct kafka_sink *p, int timeout_ms, double now)
{
	rd_kafka_event_t *ev;
	const char *fac, *text;
	char reason[512];
	int level;

	while (p->mainq && (ev = rd_kafka_queue_poll(p->mainq, timeout_ms))) {
		timeout_ms = 0;
		switch (rd_kafka_event_type(ev)) {
		case RD_KAFKA_EVENT_DR:
			on_dr(p, ev);
			break;
		case RD_KAFKA_EVENT_ERROR:
			if (rd_kafka_event_error_is_fatal(ev)) {
				rd_kafka_fatal_error(p->rk, reason, sizeof(reason));
				/* An open transaction not being committed was
				 * never committed: its messages go again. */
				if (p->phase == PH_OPEN) {
					settle(p, NULL, p->committed_w, now);
					go_down(p, now, reason);
				}
			} else if (now - p->last_err_log >= 30) {
				/* Brokers going away: once per episode. */
				xs_warn("output %s: %s (messages are kept and re-sent)", p->s->name,
					rd_kafka_event_error_string(ev));
				p->last_err_log = now;
			}
			break;
		case RD_KAFKA_EVENT_LOG:
			if (!rd_kafka_event_log(ev, &fac, &text, &level))
				xs_dbg("librdkafka: %s: %s", fac, text);
			break;
		default:
			break;
		}
		rd_kafka_event_destroy(ev);
	}
}

/* A job of the worker has ended. */
static void job_done(struct kafka_sink *p, enum kt_job job, enum kt_result res,
		     rd_kafka_topic_partition_list_t *parts, const char *err, double now)
{
	struct xs_sink *s = p->s;
	uint64_t top = 0;
	int i;

	if (job == KT_RECOVER) {
		p->rk = p->w.rk;
		if (p->rk)
			attach_queue(p);
	}
	if (res == KT_STOPPED) {
		/* Shutting down: a commit cut short is in doubt. */
		if (job == KT_COMMIT)
			p->txn_doubt = true;
		p->phase = PH_DOWN;
		return;
	}
	if (job == KT_INIT || job == KT_RECOVER) {
		if (res != KT_OK) {
			go_down(p, now, err);
			return;
		}
		p->phase = PH_OPEN;
		p->fatals = 0;
		p->last_fatal[0] = '\0';
		s->st.up = true;
		for (i = 0; parts && i < parts->cnt; i++)
			if (parts->elems[i].offset > 0 && (uint64_t)parts->elems[i].offset > top)
				top = parts->elems[i].offset;
		if (!p->ready_once)
			xs_dbg(
			    "output %s: transactions ready (transactional.id %s, watermark %" PRIu64
			    ")",
			    s->name, p->txn_id, top);
		p->ready_once = true;
		settle(p, parts, 0, now);
		/* Numbers never go back: none may look committed by mistake. */
		if (top > p->next_seq)
			p->next_seq = top;
		if (top > p->committed_w)
			p->committed_w = top;
		if (!p->next_seq)
			p->next_seq = 1;
		return;
	}
	if (job == KT_COMMIT) {
		if (res == KT_OK) {
			p->phase = PH_OPEN;
			txn_committed(p, now);
		} else if (res == KT_ABORTABLE) {
			poll_events(p, 0, now); /* reports of refusals, first */
			txn_failed(p, now, err);
			submit(p, KT_ABORT, PH_ABORT, NULL);
		} else {
			/* Did it commit? The next producer's watermark says. */
			p->txn_doubt = true;
			go_down(p, now, err);
		}
		return;
	}
	if (job == KT_ABORT) {
		if (res == KT_OK)
			p->phase = PH_OPEN;
		else
			go_down(p, now, err);
	}
}

static void collect(struct kafka_sink *p, double now)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	enum kt_job job;
	enum kt_result res;
	char err[512];

	if (kt_collect(&p->w, &job, &res, &parts, err, sizeof(err)))
		job_done(p, job, res, parts, err, now);
	if (parts)
		rd_kafka_topic_partition_list_destroy(parts);
}

/* Where to read the watermarks: partition 0 of every topic a message in
 * doubt, or any message still to send, can be in. */
static rd_kafka_topic_partition_list_t *watermark_parts(struct kafka_sink *p)
{
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(4);
	struct xs_spool_rec *r = NULL;
	struct kmsg *m;
	size_t n = 0, i;

	add_topic(parts, p->topic, 0, 0);
	add_topic(parts, p->agg_topic, 0, 0);
	for (m = p->txn.head; m; m = m->next)
		add_topic(parts, m->topic, 0, 0);
	if (p->spool_on && p->spool.count && !xs_spool_load(&p->spool, &r, &n)) {
		for (i = 0; i < n; i++)
			add_topic(parts, r[i].topic, 0, 0);
		xs_spool_free_recs(r, n);
	}
	return parts;
}

/* --- the sink ------------------------------------------------------------- */

static int kf_open(struct xs_sink *s)
{
	struct kafka_sink *p = s->priv;
	rd_kafka_conf_t *copy;
	char err[512];
	int e;

	if (p->spool_on) {
		if (!strncmp(p->spool_path, SPOOL_DIR "/", sizeof(SPOOL_DIR)))
			mkdir(SPOOL_DIR, 0750);
		e = xs_spool_open(&p->spool, p->spool_path, p->spool_max_mb << 20);
		if (e) {
			xs_err("output %s: cannot open the spool %s: %s (set spool: to a writable "
			       "file)",
			       s->name, p->spool_path, strerror(-e));
			return e;
		}
		p->next_ord = p->spool.max_seq + 1;
		if (p->spool.count) {
			xs_info("output %s: %llu messages in %s from an earlier run: re-sending "
				"them first",
				s->name, (unsigned long long)p->spool.count, p->spool_path);
			p->spooling = true;
			p->retry_at = 0;
		}
	}
	/* Signs this run's watermarks and markers (never 0: none). */
	while (!p->nonce)
		if (getrandom(&p->nonce, sizeof(p->nonce), 0) != sizeof(p->nonce))
			p->nonce = (uint64_t)xs_mono_ns() ^ ((uint64_t)getpid() << 32);
	copy = rd_kafka_conf_dup(p->conf);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, p->conf, err, sizeof(err));
	if (!p->rk) {
		xs_err("output %s: cannot create the Kafka producer: %s", s->name, err);
		rd_kafka_conf_destroy(copy);
		if (p->spool_on)
			xs_spool_close(&p->spool);
		return -EINVAL;
	}
	p->conf = NULL; /* owned by rk now */
	rd_kafka_set_log_queue(p->rk, NULL);
	if (pipe2(p->evfd, O_NONBLOCK | O_CLOEXEC))
		p->evfd[0] = p->evfd[1] = -1;
	attach_queue(p);
	e = kt_start(&p->w, p->rk, copy, p->txn_id);
	if (e) {
		xs_err("output %s: cannot start the transaction thread: %s", s->name, strerror(-e));
		rd_kafka_conf_destroy(copy);
		release_queue(p);
		rd_kafka_destroy(p->rk);
		p->rk = NULL;
		if (p->evfd[0] >= 0) {
			close(p->evfd[0]);
			close(p->evfd[1]);
			p->evfd[0] = p->evfd[1] = -1;
		}
		if (p->spool_on)
			xs_spool_close(&p->spool);
		return e;
	}
	if (p->evfd[0] >= 0)
		xs_out_watch(s->out, p->evfd[0], EPOLLIN);
	xs_out_watch(s->out, p->w.efd, EPOLLIN);
	submit(p, KT_INIT, PH_INIT, watermark_parts(p));
	return 0;
}

static void kf_alert(struct xs_sink *s, const struct xs_alert_out *a)
{
	struct kafka_sink *p = s->priv;

	enqueue(p, p->topic, a->event_id, a->json);
}

static void kf_tick(struct xs_sink *s, const struct xs_tick *t, double ts, double secs)
{
	struct kafka_sink *p = s->priv;
	char *json;

	if (!p->agg_topic[0])
		return;
	json = xs_agg_json(t, ts, secs, xs_hostname(), p->sensor, (int)p->top_n);
	if (!json) {
		s->st.failed++;
		return;
	}
	enqueue(p, p->agg_topic, p->sensor, json);
	free(json);
}

/* The loop's step: events, the worker's news, then what to do next. */
static void step(struct kafka_sink *p, double now)
{
	char buf[64];

	while (p->evfd[0] >= 0 && read(p->evfd[0], buf, sizeof(buf)) > 0)
		;
	poll_events(p, 0, now);
	collect(p, now);
	if (p->phase == PH_DOWN && now >= p->recover_at && !p->closing) {
		release_queue(p);
		p->rk = NULL;
		p->s->st.up = false;
		submit(p, KT_RECOVER, PH_INIT, watermark_parts(p));
	}
	/* What waited too long goes to the spool (or, without one, is lost). */
	if ((p->pending.head && now - p->pending.head->born > p->delivery_timeout_ms / 1000.0) ||
	    (p->phase == PH_COMMIT && p->spool_on && !p->txn_from_spool && !p->txn_spilled &&
	     now - p->commit_started > p->delivery_timeout_ms / 1000.0))
		spill(p, now, p->phase == PH_INIT ? "no transaction possible" : "commit pending");
	if (p->phase == PH_OPEN) {
		if (p->spooling && !p->txn.n && !p->closing && now >= p->retry_at)
			start_resend(p, now);
		fill_txn(p, now);
		maybe_commit(p, now);
	}
}

static void kf_service(struct xs_sink *s, double now)
{
	struct kafka_sink *p = s->priv;

	if (!p->w.started)
		return;
	step(p, now);
	if (p->spool_on) {
		xs_spool_sync(&p->spool);
		spool_news(p);
		s->st.spooled = p->spool.count;
	}
	s->st.queued = p->pending.n + (p->txn_spilled || p->txn_from_spool ? 0 : p->txn.n);
}

/* Sinks whose worker kf_close() could not wait for: kept (and reachable,
 * for leak checkers) for as long as the process lives. */
static struct kafka_sink *left_running;

static void kf_close(struct xs_sink *s)
{
	struct kafka_sink *p = s->priv;
	double deadline, now = xs_mono_s();
	bool abandon;

	if (!p->w.started) {
		if (p->conf)
			rd_kafka_conf_destroy(p->conf);
		p->conf = NULL;
		return;
	}
	/* Commit what is in memory, within close_timeout_ms. */
	p->closing = true;
	deadline = now + p->close_timeout_ms / 1000.0;
	for (;;) {
		step(p, now);
		if (p->phase == PH_OPEN && !p->txn.n && (p->spooling || !p->pending.n))
			break;
		if (p->phase == PH_DOWN || now >= deadline)
			break;
		if (p->mainq)
			poll_events(p, 10, now);
		else
			usleep(10000);
		now = xs_mono_s();
	}
	/* The worker notices the stop within a slice; a call that overstays
	 * its timeout is not waited for (a restart while the brokers are
	 * away would leave the kernel counting without a daemon): what it
	 * carries is spilled below as in doubt, and the watermark decides at
	 * the next start. */
	abandon = !kt_stop(&p->w, (deadline > now ? deadline - now : 0) + 0.5);
	if (abandon)
		xs_warn("output %s: a transactional call to the brokers did not return within "
			"close_timeout_ms; not waiting for it",
			s->name);
	collect(p, now);
	poll_events(p, 0, now);
	/* Left: a transaction in doubt, what was aborted, what never went. */
	if (p->txn.n && !p->txn_doubt && p->phase != PH_COMMIT && !p->txn_from_spool &&
	    !p->txn_spilled)
		settle(p, NULL, p->committed_w, now); /* open, never committed */
	if (p->txn.n || p->pending.n)
		spill(p, now, "shutting down");
	if (p->txn.n && !p->txn_spilled && !p->txn_from_spool)
		count_lost(p, p->txn.n, "a transaction in doubt and no spool to keep it");
	s->st.queued = 0;
	kq_clear(&p->pending);
	kq_clear(&p->txn);
	release_queue(p);
	xs_out_unwatch(s->out, p->w.efd);
	if (!abandon) {
		if (p->rk)
			xs_kafka_destroy_within(p->rk, 0, 0.5, s->name);
		p->rk = p->w.rk = NULL;
		if (p->w.conf)
			rd_kafka_conf_destroy(p->w.conf);
		p->w.conf = NULL;
		kt_free(&p->w);
	}
	if (p->spool_on) {
		/* Waits for the spool's writes (at the disk's pace). */
		xs_spool_close(&p->spool);
		spool_news(p);
		s->st.spooled = p->spool.count;
		if (p->spool.count)
			xs_warn("output %s: %llu messages not delivered are in %s; they are sent "
				"at the next start",
				s->name, (unsigned long long)p->spool.count, p->spool_path);
	}
	if (p->evfd[0] >= 0) {
		xs_out_unwatch(s->out, p->evfd[0]);
		close(p->evfd[0]);
		close(p->evfd[1]);
		p->evfd[0] = p->evfd[1] = -1;
	}
	s->st.up = false;
	/* The thread left running still uses p->w: p is never freed. */
	if (abandon) {
		p->left_next = left_running;
		left_running = p;
		s->priv = NULL;
	}
}

const struct xs_sink_ops xs_sink_kafka = {
    .type = "kafka",
    .configure = kf_configure,
    .open = kf_open,
    .alert = kf_alert,
    .tick = kf_tick,
    .service = kf_service,
    .close = kf_close,
};

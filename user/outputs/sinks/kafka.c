// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * kafka: alerts (key: event id, so one alert's start/update/end stay in one
 * partition, in order) and per-tick aggregates (key: the sensor name) to
 * Apache Kafka through librdkafka: idempotent producer, acks=all.
 *
 * While the brokers are away librdkafka keeps the messages and sends them
 * when they return. A message still undelivered after delivery_timeout_ms
 * comes back in its delivery report; it goes to the spool file, and so does
 * everything queued behind it (purged, so nothing overtakes it) and every
 * new message until the spool has been re-sent: that keeps each key's
 * messages in production order. Re-sends happen every spool_retry_ms and
 * at the next start; a record leaves the spool only once the broker has
 * acknowledged it. At shutdown, what the brokers do not take within
 * close_timeout_ms is spooled too, and the count is logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <librdkafka/rdkafka.h>

#include "clock.h"
#include "aggregates.h"
#include "hostname.h"
#include "log.h"
#include "sink.h"
#include "spool.h"

#define SPOOL_DIR "/var/lib/xdpstream"

struct kafka_sink {
	/* configuration */
	char brokers[1024];
	char topic[250];
	char agg_topic[250];
	char sensor[256];
	uint32_t top_n;
	uint32_t delivery_timeout_ms;
	uint32_t close_timeout_ms;
	uint32_t spool_retry_ms;
	uint64_t spool_max_mb;
	char spool_path[512];
	rd_kafka_conf_t *conf;
	/* state */
	struct xs_sink *s;
	rd_kafka_t *rk;
	rd_kafka_queue_t *mainq;
	int evfd[2];
	uint64_t next_seq;
	bool spooling;		/* new messages go to the spool */
	bool spool_on;
	bool closing;
	struct xs_spool spool;
	double retry_at;
	/* the re-send in flight */
	bool resending;
	uint64_t *done;		/* seqs acknowledged, in the order produced */
	size_t ndone, outstanding, batch_n;
	bool batch_failed;
	uint64_t lost_warned;
	double last_err_log;
};

static const char *const protocols[] = { "plaintext", "ssl", "sasl_plaintext", "sasl_ssl", NULL };

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
		{ "ca_file", "ssl.ca.location", true },
		{ "cert_file", "ssl.certificate.location", true },
		{ "key_file", "ssl.key.location", true },
		{ "key_password", "ssl.key.password", false },
		{ "sasl_mechanism", "sasl.mechanism", false },
		{ "sasl_username", "sasl.username", false },
		{ "sasl_password", "sasl.password", false },
	};
	char val[1024];
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
		if (keys[i].file && xs_out_check_readable(sec, keys[i].key, val)) {
			err = -1;
			continue;
		}
		err |= conf_set(p->conf, xs_cfg_get(sec, keys[i].key), keys[i].prop, val);
	}
	xs_cfg_check_unknown(sec);
	return err;
}

static int kf_configure(struct xs_sink *s, xs_node n)
{
	struct kafka_sink *p = calloc(1, sizeof(*p));
	xs_node props;
	char host[200];
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
	p->spool_max_mb = 256;
	snprintf(p->spool_path, sizeof(p->spool_path), SPOOL_DIR "/%s.spool", s->name);
	p->conf = rd_kafka_conf_new();
	err |= xs_cfg_str(n, "topic", p->topic, sizeof(p->topic));
	err |= xs_cfg_str(n, "aggregates_topic", p->agg_topic, sizeof(p->agg_topic));
	err |= xs_cfg_str(n, "sensor_name", p->sensor, sizeof(p->sensor));
	err |= xs_cfg_u32(n, "top_n", 1, 10000, &p->top_n);
	err |= xs_cfg_u32(n, "delivery_timeout_ms", 1000, 86400000, &p->delivery_timeout_ms);
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
	snprintf(host, sizeof(host), "xdpstream-%s", xs_hostname());

	/* Our defaults first; security: and properties: may override them. */
	{
		char tmo[16];

		snprintf(tmo, sizeof(tmo), "%u", p->delivery_timeout_ms);
		err |= conf_set(p->conf, xs_cfg_get(n, "brokers"), "bootstrap.servers", p->brokers);
		err |= conf_set(p->conf, n, "client.id", host);
		err |= conf_set(p->conf, n, "enable.idempotence", "true");
		err |= conf_set(p->conf, n, "acks", "all");
		err |= conf_set(p->conf, xs_cfg_get(n, "delivery_timeout_ms"), "message.timeout.ms",
				tmo);
		/* The Java client's partitioner: a key lands where Kafka Streams
		 * and other Java consumers expect it. */
		err |= conf_set(p->conf, n, "partitioner", "murmur2_random");
		/* librdkafka's own log lines come through rd_kafka_poll on our
		 * thread (at debug); errors come through error_cb. */
		err |= conf_set(p->conf, n, "log.queue", "true");
	}
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
	return err ? -1 : 0;
}

static void spool_msg(struct kafka_sink *p, uint64_t seq, const char *topic, const void *key,
		      size_t keylen, const void *payload, size_t len)
{
	struct xs_sink *s = p->s;
	char k[256];
	int err = -EBADF;

	snprintf(k, sizeof(k), "%.*s", (int)(keylen < sizeof(k) ? keylen : sizeof(k) - 1),
		 key ? (const char *)key : "");
	if (p->spool_on)
		err = xs_spool_append(&p->spool, seq, topic, k, payload, len);
	if (!err) {
		s->st.spooled_total++;
		return;
	}
	s->st.failed++;
	if (s->st.failed - p->lost_warned >= 1000 || !p->lost_warned) {
		xs_warn("output %s: message lost (%s); %llu lost so far", s->name,
			p->spool_on ? strerror(-err) : "no spool configured",
			(unsigned long long)s->st.failed);
		p->lost_warned = s->st.failed;
	}
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

static void enter_spooling(struct kafka_sink *p, rd_kafka_resp_err_t why)
{
	if (p->spooling)
		return;
	p->spooling = true;
	p->retry_at = xs_mono_s() + p->spool_retry_ms / 1000.0;
	if (p->closing)
		return;	/* kf_close reports the count */
	xs_warn("output %s: not delivered within %u ms (%s): spooling to %s until the brokers "
		"take messages again",
		p->s->name, p->delivery_timeout_ms, rd_kafka_err2str(why), p->spool_path);
	/* What is queued behind the failed message must not overtake it:
	 * take it back (it returns through delivery reports, in order). */
	rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_NON_BLOCKING);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_sink *p = opaque;
	struct xs_sink *s = p->s;
	uint64_t tag = (uint64_t)(uintptr_t)m->_private, seq = tag >> 1;
	bool from_spool = tag & 1;

	if (!m->err) {
		s->st.sent++;
		if (from_spool) {
			s->st.resent++;
			p->done[p->ndone++] = seq;
			p->outstanding--;
		}
		return;
	}
	if (from_spool) {
		/* It is still in the spool file: just try again later. */
		p->outstanding--;
		if (!p->batch_failed)
			xs_dbg("output %s: re-send failed: %s", s->name, rd_kafka_err2str(m->err));
		p->batch_failed = true;
		return;
	}
	if (permanent(m->err) || !p->spool_on) {
		s->st.failed++;
		xs_warn("output %s: message to %s dropped: %s", s->name,
			rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
		return;
	}
	spool_msg(p, seq, rd_kafka_topic_name(m->rkt), m->key, m->key_len, m->payload, m->len);
	enter_spooling(p, m->err);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka_sink *p = opaque;
	double now = xs_mono_s();

	if (rd_kafka_fatal_error(rk, NULL, 0)) {
		xs_err("output %s: fatal producer error: %s", p->s->name, reason);
		return;
	}
	/* Brokers going away is reported once per episode, not per retry. */
	if (now - p->last_err_log >= 30) {
		xs_warn("output %s: %s (messages are kept and re-sent)", p->s->name, reason);
		p->last_err_log = now;
	}
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	xs_dbg("librdkafka: %s: %s", fac, buf);
}

/* Produces one message; tag = seq << 1 | from_spool. */
static rd_kafka_resp_err_t produce(struct kafka_sink *p, const char *topic, const char *key,
				   const void *payload, size_t len, uint64_t tag)
{
	return rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic),
				 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				 RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
				 RD_KAFKA_V_VALUE((void *)payload, len),
				 RD_KAFKA_V_OPAQUE((void *)(uintptr_t)tag), RD_KAFKA_V_END);
}

static void send_msg(struct kafka_sink *p, const char *topic, const char *key, const char *payload)
{
	uint64_t seq = p->next_seq++;
	size_t len = strlen(payload);
	rd_kafka_resp_err_t e;

	if (!p->spooling) {
		e = produce(p, topic, key, payload, len, seq << 1);
		if (!e)
			return;
		if (permanent(e) || !p->spool_on) {
			p->s->st.failed++;
			xs_warn("output %s: cannot produce to %s: %s", p->s->name, topic,
				rd_kafka_err2str(e));
			return;
		}
		/* Local queue full (queue.buffering.max.*): spool, keep order. */
		spool_msg(p, seq, topic, key, key ? strlen(key) : 0, payload, len);
		enter_spooling(p, e);
		return;
	}
	spool_msg(p, seq, topic, key, key ? strlen(key) : 0, payload, len);
}

static int kf_open(struct xs_sink *s)
{
	struct kafka_sink *p = s->priv;
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
		p->next_seq = p->spool.max_seq + 1;
		if (p->spool.count) {
			xs_info("output %s: %llu messages in %s from an earlier run: re-sending "
				"them first",
				s->name, (unsigned long long)p->spool.count, p->spool_path);
			p->spooling = true;
			p->retry_at = 0;
		}
	}
	rd_kafka_conf_set_opaque(p->conf, p);
	rd_kafka_conf_set_dr_msg_cb(p->conf, dr_cb);
	rd_kafka_conf_set_error_cb(p->conf, error_cb);
	rd_kafka_conf_set_log_cb(p->conf, log_cb);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, p->conf, err, sizeof(err));
	if (!p->rk) {
		xs_err("output %s: cannot create the Kafka producer: %s", s->name, err);
		if (p->spool_on)
			xs_spool_close(&p->spool);
		return -EINVAL;
	}
	p->conf = NULL;		/* owned by rk now */
	rd_kafka_set_log_queue(p->rk, NULL);
	/* librdkafka writes a byte to the pipe when its queue gets events:
	 * that wakes the daemon's loop for delivery reports. */
	p->mainq = rd_kafka_queue_get_main(p->rk);
	if (!pipe2(p->evfd, O_NONBLOCK | O_CLOEXEC)) {
		rd_kafka_queue_io_event_enable(p->mainq, p->evfd[1], "1", 1);
		xs_out_watch(s->out, p->evfd[0], EPOLLIN);
	}
	s->st.up = true;
	return 0;
}

static void kf_alert(struct xs_sink *s, const struct xs_alert_out *a)
{
	struct kafka_sink *p = s->priv;

	send_msg(p, p->topic, a->event_id, a->json);
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
	send_msg(p, p->agg_topic, p->sensor, json);
	free(json);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* All reports of a re-send are in: drop what was delivered from the file. */
static void finish_resend(struct kafka_sink *p, double now)
{
	struct xs_sink *s = p->s;
	int err;

	qsort(p->done, p->ndone, sizeof(*p->done), cmp_u64);
	err = xs_spool_remove(&p->spool, p->done, p->ndone);
	if (err)
		xs_warn("output %s: cannot rewrite %s: %s (records will be sent again)", s->name,
			p->spool_path, strerror(-err));
	if (p->ndone)
		xs_info("output %s: re-sent %zu of %zu spooled messages", s->name, p->ndone,
			p->batch_n);
	free(p->done);
	p->done = NULL;
	p->resending = false;
	if (p->batch_failed || err) {
		p->retry_at = now + p->spool_retry_ms / 1000.0;
	} else if (!p->spool.count) {
		p->spooling = false;
		xs_info("output %s: spool empty, producing directly again", s->name);
	} else {
		p->retry_at = now;	/* more arrived meanwhile: next round now */
	}
}

static void start_resend(struct kafka_sink *p)
{
	struct xs_spool_rec *recs = NULL;
	size_t n = 0, i;
	int err = xs_spool_load(&p->spool, &recs, &n);

	if (err || !n) {
		if (!err && !n)
			p->spooling = false;
		xs_spool_free_recs(recs, n);
		return;
	}
	p->done = calloc(n, sizeof(*p->done));
	if (!p->done) {
		xs_spool_free_recs(recs, n);
		return;
	}
	p->resending = true;
	p->batch_failed = false;
	p->ndone = p->outstanding = 0;
	p->batch_n = n;
	for (i = 0; i < n; i++) {
		if (produce(p, recs[i].topic, recs[i].key[0] ? recs[i].key : NULL, recs[i].payload,
			    recs[i].len, recs[i].seq << 1 | 1)) {
			p->batch_failed = true;
			break;
		}
		p->outstanding++;
	}
	xs_spool_free_recs(recs, n);
}

static void kf_service(struct xs_sink *s, double now)
{
	struct kafka_sink *p = s->priv;
	char buf[64];

	if (!p->rk)
		return;
	while (p->evfd[0] >= 0 && read(p->evfd[0], buf, sizeof(buf)) > 0)
		;
	rd_kafka_poll(p->rk, 0);
	if (p->spool_on) {
		xs_spool_sync(&p->spool);
		if (p->resending && !p->outstanding)
			finish_resend(p, now);
		/* Re-send only when nothing older is still in librdkafka's
		 * hands, so the spool cannot overtake it. */
		if (p->spooling && !p->resending && now >= p->retry_at &&
		    rd_kafka_outq_len(p->rk) == 0)
			start_resend(p);
		s->st.spooled = p->spool.count;
	}
	s->st.queued = rd_kafka_outq_len(p->rk);
}

static void kf_close(struct xs_sink *s)
{
	struct kafka_sink *p = s->priv;
	int left;

	if (!p->rk) {
		if (p->conf)
			rd_kafka_conf_destroy(p->conf);
		return;
	}
	rd_kafka_flush(p->rk, p->close_timeout_ms);
	left = rd_kafka_outq_len(p->rk);
	p->closing = true;
	if (left) {
		/* Take back what the brokers did not take: the delivery reports
		 * spool it for the next start. */
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_flush(p->rk, 1000);
	}
	rd_kafka_poll(p->rk, 0);
	if (p->resending)
		finish_resend(p, xs_mono_s());
	s->st.queued = rd_kafka_outq_len(p->rk);
	if (p->spool_on) {
		s->st.spooled = p->spool.count;
		if (p->spool.count)
			xs_warn("output %s: %llu messages not delivered are in %s; they are sent "
				"at the next start",
				s->name, (unsigned long long)p->spool.count, p->spool_path);
		xs_spool_close(&p->spool);
	}
	if (p->evfd[0] >= 0) {
		xs_out_unwatch(s->out, p->evfd[0]);
		rd_kafka_queue_io_event_enable(p->mainq, -1, NULL, 0);
	}
	rd_kafka_queue_destroy(p->mainq);
	rd_kafka_destroy(p->rk);
	p->rk = NULL;
	if (p->evfd[0] >= 0) {
		close(p->evfd[0]);
		close(p->evfd[1]);
	}
	s->st.up = false;
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

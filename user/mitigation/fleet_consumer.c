// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "clock.h"
#include "fleet_consumer.h"
#include "hostname.h"
#include "log.h"
#include "sinks/kafka_destroy.h"

#define CLOSE_S 1.0

struct xs_fleet_consumer {
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;
	int evfd[2];
	struct xs_mpolicy *pol;
	struct xs_fleet_consumer_stats st;
	double last_warn;
	double close_s;	/* how long its close may wait (close_consumer) */
};

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	xs_dbg("librdkafka (fleet_mitigation): %s: %s", fac, buf);
}

/* The kafka output's security: keys as there (config/outputs.example.yaml). */
static int set_security(rd_kafka_conf_t *conf, xs_node sec, char *err, size_t errlen)
{
	static const struct {
		const char *key, *prop;
	} keys[] = {
		{ "protocol", "security.protocol" },
		{ "ca_file", "ssl.ca.location" },
		{ "cert_file", "ssl.certificate.location" },
		{ "key_file", "ssl.key.location" },
		{ "key_password", "ssl.key.password" },
		{ "sasl_mechanism", "sasl.mechanism" },
		{ "sasl_username", "sasl.username" },
		{ "sasl_password", "sasl.password" },
	};
	size_t i;

	for (i = 0; xs_node_is_map(sec) && i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = xs_node_scalar(xs_cfg_get(sec, keys[i].key));

		if (v && v[0] && rd_kafka_conf_set(conf, keys[i].prop, v, err, errlen))
			return -1;
	}
	return 0;
}

struct xs_fleet_consumer *xs_fleet_consumer_new(const struct xs_settings *s,
						struct xs_mpolicy *pol)
{
	const struct xs_fleet_set *f = &s->fleet;
	const char *brokers = xs_node_scalar(xs_cfg_get(f->kafka, "brokers"));
	const char *sensor = xs_node_scalar(xs_cfg_get(f->kafka, "sensor_name"));
	const char *close_ms = xs_node_scalar(xs_cfg_get(f->kafka, "close_timeout_ms"));
	struct xs_fleet_consumer *c = calloc(1, sizeof(*c));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *topics = NULL;
	char err[512] = "", group[400], client[300];
	rd_kafka_resp_err_t e;

	if (!c || !conf)
		goto fail;
	c->evfd[0] = c->evfd[1] = -1;
	c->pol = pol;
	if (!sensor || !sensor[0])
		sensor = xs_hostname();
	/* The kafka output's close_timeout_ms (validated there), at most
	 * CLOSE_S. */
	c->close_s = CLOSE_S;
	if (close_ms && close_ms[0] && strtod(close_ms, NULL) / 1000.0 < CLOSE_S)
		c->close_s = strtod(close_ms, NULL) / 1000.0;
	/* A group of its own: every sensor applies every request. */
	snprintf(group, sizeof(group), "xdpstream-fleet-mitigation-%s", sensor);
	snprintf(client, sizeof(client), "xdpstream-%s-fleet-mitigation", sensor);
	if (!brokers ||
	    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)) ||
	    /* Static membership: a restarted daemon takes its place at once,
	     * instead of waiting out the session of one that left unheard
	     * (its link cut). */
	    rd_kafka_conf_set(conf, "group.instance.id", sensor, err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "client.id", client, err, sizeof(err)) ||
	    /* The application publishes in transactions. */
	    rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof(err)) ||
	    /* A new sensor learns what is still in force (expired requests
	     * are skipped); a restarted one goes on from its commit. */
	    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "log.queue", "true", err, sizeof(err)) ||
	    set_security(conf, xs_cfg_get_map(f->kafka, "security"), err, sizeof(err))) {
		xs_err("fleet_mitigation: cannot configure the consumer: %s",
		       err[0] ? err : "no brokers");
		goto fail;
	}
	rd_kafka_conf_set_log_cb(conf, log_cb);
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!c->rk) {
		xs_err("fleet_mitigation: cannot create the consumer: %s", err);
		goto fail;
	}
	conf = NULL;
	rd_kafka_set_log_queue(c->rk, NULL);
	rd_kafka_poll_set_consumer(c->rk);
	c->q = rd_kafka_queue_get_consumer(c->rk);
	/* librdkafka writes a byte to the pipe when the queue gets events. */
	if (!c->q || pipe2(c->evfd, O_NONBLOCK | O_CLOEXEC)) {
		xs_err("fleet_mitigation: cannot set up the consumer's queue: %s", strerror(errno));
		goto fail;
	}
	rd_kafka_queue_io_event_enable(c->q, c->evfd[1], "1", 1);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, f->mitigation_topic, RD_KAFKA_PARTITION_UA);
	e = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (e) {
		xs_err("fleet_mitigation: cannot subscribe to %s: %s", f->mitigation_topic,
		       rd_kafka_err2str(e));
		goto fail;
	}
	xs_info("fleet_mitigation: applying the requests of %s (group %s)", f->mitigation_topic,
		group);
	return c;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	xs_fleet_consumer_free(c);
	return NULL;
}

/* Leaves the group committing what was read, for at most close_s (the
 * kafka output's close_timeout_ms, at most CLOSE_S): with the link to the
 * brokers cut, rd_kafka_consumer_close() waits out the coordinator's
 * timeouts (tens of seconds), and a restart would leave the kernel
 * counting that long without a daemon. A request read but not committed
 * is read again at the next start and applied again: the same rule, no
 * harm. Its destroy is bounded too (kafka_destroy.h): with the link cut it
 * took 45-48 s of a sensor's exit in fleet_e2e. */
static void close_consumer(rd_kafka_t *rk, double close_s)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_error_t *e = q ? rd_kafka_consumer_close_queue(rk, q) : NULL;
	double end = xs_mono_s() + close_s;

	if (q && !e)
		while (!rd_kafka_consumer_closed(rk) && xs_mono_s() < end) {
			rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 50);

			if (ev)
				rd_kafka_event_destroy(ev);
		}
	if (e)
		rd_kafka_error_destroy(e);
	if (q)
		rd_kafka_queue_destroy(q);
	xs_kafka_destroy_within(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE, 0.5, "fleet_mitigation");
}

void xs_fleet_consumer_free(struct xs_fleet_consumer *c)
{
	if (!c)
		return;
	if (c->q) {
		rd_kafka_queue_io_event_enable(c->q, -1, NULL, 0);
		rd_kafka_queue_destroy(c->q);
	}
	if (c->rk)
		close_consumer(c->rk, c->close_s);
	if (c->evfd[0] >= 0) {
		close(c->evfd[0]);
		close(c->evfd[1]);
	}
	free(c);
}

int xs_fleet_consumer_fd(const struct xs_fleet_consumer *c)
{
	return c ? c->evfd[0] : -1;
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool hex16(const char *s)
{
	int i;

	if (!s || strlen(s) != 16)
		return false;
	for (i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* "2026-12-07T13:37:07.123Z" to seconds since the epoch; -1 if not that. */
static double parse_ts(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;
	int ms;

	if (!s || !(rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) ||
	    sscanf(rest, ".%3dZ", &ms) != 1 || strlen(rest) != 5)
		return -1;
	return (double)timegm(&tm) + ms / 1000.0;
}

int xs_fleet_req_parse(const char *json, size_t len, double now, struct xs_fleet_req *r,
		       int *expired, char *why, size_t whylen)
{
	static const char *const actions[] = { "block", "unblock", "rate_limit", "unlimit" };
	json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL), *m, *ttl, *pps;
	const char *action, *prefix, *match, *rule;
	double at;
	int i, ret = -1;

	memset(r, 0, sizeof(*r));
	*expired = 0;
	if (!json_is_object(doc)) {
		snprintf(why, whylen, "not a JSON object");
		goto out;
	}
	m = json_object_get(json_object_get(doc, "xdpstream"), "mitigation");
	action = str_at(doc, "event", "action");
	prefix = str_at(m, "prefix", NULL);
	rule = str_at(doc, "rule", "name");
	for (i = 0; action && i < 4 && strcmp(action, actions[i]); i++)
		;
	if (!action || i == 4) {
		snprintf(why, whylen, "event.action is not block, unblock, rate_limit or unlimit");
		goto out;
	}
	r->action = (enum xs_fleet_action)i;
	if (!str_at(doc, "event", "dataset") ||
	    strcmp(str_at(doc, "event", "dataset"), "xdpstream.fleet_mitigation") ||
	    !str_at(m, "by", NULL) || strcmp(str_at(m, "by", NULL), "fleet")) {
		snprintf(why, whylen, "not a fleet mitigation (event.dataset, xdpstream.mitigation.by)");
		goto out;
	}
	if (!hex16(str_at(doc, "event", "id")) || !hex16(str_at(m, "alert_id", NULL)) ||
	    strcmp(str_at(doc, "event", "id"), str_at(m, "alert_id", NULL))) {
		snprintf(why, whylen, "event.id and alert_id must be the same 16 hex digits");
		goto out;
	}
	snprintf(r->alert_id, sizeof(r->alert_id), "%s", str_at(m, "alert_id", NULL));
	snprintf(r->rule, sizeof(r->rule), "%s", rule && strlen(rule) < 32 ? rule : "fleet");
	if (!prefix || xs_prefix_parse(prefix, &r->p)) {
		snprintf(why, whylen, "prefix '%s' is not an address/length with zero host bits",
			 prefix ? prefix : "");
		goto out;
	}
	at = parse_ts(str_at(doc, "@timestamp", NULL));
	if (at < 0) {
		snprintf(why, whylen, "@timestamp is not YYYY-MM-DDTHH:MM:SS.mmmZ");
		goto out;
	}
	if (r->action == XS_FA_BLOCK || r->action == XS_FA_LIMIT) {
		ttl = json_object_get(m, "ttl_s");
		match = str_at(m, "match", NULL);
		if (!json_is_integer(ttl) || json_integer_value(ttl) < 1 ||
		    json_integer_value(ttl) > 86400 * 30) {
			snprintf(why, whylen, "ttl_s must be 1..2592000");
			goto out;
		}
		for (i = 0; match && i < XS_LIM_MAX && strcmp(match, xs_limit_match_names[i]); i++)
			;
		if (!match || i == XS_LIM_MAX || (r->action == XS_FA_BLOCK && i != XS_LIM_ALL)) {
			snprintf(why, whylen, "match must be all, syn, udp, icmp or reflect (all "
					      "for a block)");
			goto out;
		}
		r->match = (__u32)i;
		if (r->action == XS_FA_LIMIT) {
			pps = json_object_get(m, "limit_pps");
			if (!json_is_integer(pps) || json_integer_value(pps) < 0) {
				snprintf(why, whylen, "limit_pps must be a count");
				goto out;
			}
			r->pps = (__u64)json_integer_value(pps);
		}
		/* What is left of its life; none: already over. */
		if (at + (double)json_integer_value(ttl) <= now) {
			*expired = 1;
			snprintf(why, whylen, "expired");
			goto out;
		}
		r->ttl_s = (__u64)ceil(at + (double)json_integer_value(ttl) - (at > now ? at : now));
	}
	ret = 0;
out:
	json_decref(doc);
	return ret;
}

static void handle(struct xs_fleet_consumer *c, const rd_kafka_message_t *msg, double now)
{
	struct xs_fleet_req r;
	char why[200];
	int expired;

	c->st.received++;
	if (xs_fleet_req_parse(msg->payload, msg->len, now, &r, &expired, why, sizeof(why))) {
		if (expired) {
			c->st.expired++;
			return;
		}
		c->st.malformed++;
		if (now - c->last_warn >= 60) {
			xs_warn("fleet_mitigation: request at offset %lld refused: %s (%llu so far)",
				(long long)msg->offset, why, (unsigned long long)c->st.malformed);
			c->last_warn = now;
		}
		return;
	}
	if (xs_mpolicy_fleet(c->pol, &r, now))
		c->st.refused++;
	else
		c->st.applied++;
}

void xs_fleet_consumer_poll(struct xs_fleet_consumer *c, double now)
{
	rd_kafka_message_t *msg;
	bool read_any = false;
	char buf[64];
	int n;

	if (!c)
		return;
	while (read(c->evfd[0], buf, sizeof(buf)) > 0)
		;
	/* A bounded batch: the loop's other work is not held up. */
	for (n = 0; n < 1000 && (msg = rd_kafka_consumer_poll(c->rk, 0)); n++) {
		if (!msg->err) {
			handle(c, msg, now);
			read_any = true;
		} else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && now - c->last_warn >= 60) {
			xs_warn("fleet_mitigation: %s", rd_kafka_message_errstr(msg));
			c->last_warn = now;
		}
		rd_kafka_message_destroy(msg);
	}
	/* Commit what was applied now (asynchronously), not at the next
	 * auto-commit up to 5 s later: a request read but not committed when
	 * the daemon stops is applied again at its next start (a second
	 * mitigation event for the same alert), and a link cut between read
	 * and commit is what makes that happen. */
	if (read_any)
		rd_kafka_commit(c->rk, NULL, 1);
	/* More waiting: wake the loop again (a full pipe wakes it too). */
	if (n == 1000 && write(c->evfd[1], "1", 1) < 0 && errno != EAGAIN)
		xs_dbg("fleet_mitigation: cannot wake the loop: %s", strerror(errno));
}

void xs_fleet_consumer_stats(const struct xs_fleet_consumer *c, struct xs_fleet_consumer_stats *st)
{
	if (c)
		*st = c->st;
	else
		memset(st, 0, sizeof(*st));
}

/*
 * metrics.c - the server's counters in the Prometheus text exposition
 * format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats):
 * metagen_http_requests_total{route,status}, the histogram
 * metagen_http_request_duration_seconds{route}, and the gauge
 * metagen_http_requests_in_flight; plus the "request" span of each
 * request in the trace (trace.c; fixed fields only: never a header,
 * query string or body).
 */
#include <stdio.h>
#include <string.h>

#include "serve/serve_internal.h"

static const double bounds[SERVE_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025,
					     0.05,  0.1,    0.5,   1,	 5};

const char *mgen__serve_route_name(int route)
{
	static const char *const names[R_COUNT] = {
	    "/ping",	"/health",	"/version",
	    "/metrics", "/invocations", "/v1/chat/completions",
	    "other"};

	return route >= 0 && route < R_COUNT ? names[route] : "other";
}

/* The request's root span (id 1), written at once. */
static void trace_line(serve_metrics *m, int route, const char *method,
		       int status, double seconds, const char *request_id,
		       double start_real_ms)
{
	serve_spans s;
	char attrs[128];

	memset(&s, 0, sizeof(s));
	s.request_id = request_id;
	s.t0_real_ms = start_real_ms;
	/* method is one of MHD's known tokens or "other"; the route is
	 * this file's name: nothing here needs escaping */
	snprintf(attrs, sizeof(attrs),
		 ",\"method\":\"%s\",\"route\":\"%s\",\"http_status\":%d",
		 method, mgen__serve_route_name(route), status);
	mgen__serve_span(&s, "request", 1, 0, 0, seconds * 1000.0, status < 500,
			 attrs);
	if (!mgen_buf_error(&s.buf))
		mgen__serve_trace_write(m->trace, mgen_buf_str(&s.buf),
					s.buf.len);
	mgen_buf_release(&s.buf);
}

void mgen__serve_record(serve_metrics *m, int route, const char *method,
			int status, double seconds, const char *request_id,
			double start_real_ms)
{
	int i;

	if (route < 0 || route >= R_COUNT)
		route = R_OTHER;
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < SERVE_STATUSES; i++) {
		if (m->route[route].status[i] == status ||
		    m->route[route].status[i] == 0) {
			m->route[route].status[i] = status;
			m->route[route].count[i]++;
			break;
		}
	}
	for (i = 0; i < SERVE_BUCKETS; i++)
		if (seconds <= bounds[i]) {
			m->route[route].bucket[i]++;
			break;
		}
	m->route[route].n++;
	m->route[route].sum_s += seconds;
	pthread_mutex_unlock(&m->mu);
	if (m->trace != NULL)
		trace_line(m, route, method, status, seconds, request_id,
			   start_real_ms);
}

static void histogram(serve_metrics *m, int r, mgen_buf *out)
{
	const char *name = mgen__serve_route_name(r);
	long long cum = 0;
	int i;

	for (i = 0; i < SERVE_BUCKETS; i++) {
		cum += m->route[r].bucket[i];
		mgen_buf_printf(out,
				"metagen_http_request_duration_seconds_"
				"bucket{route=\"%s\",le=\"%g\"} %lld\n",
				name, bounds[i], cum);
	}
	mgen_buf_printf(out,
			"metagen_http_request_duration_seconds_bucket"
			"{route=\"%s\",le=\"+Inf\"} %lld\n"
			"metagen_http_request_duration_seconds_sum{route="
			"\"%s\"} %.6f\n"
			"metagen_http_request_duration_seconds_count{route="
			"\"%s\"} %lld\n",
			name, m->route[r].n, name, m->route[r].sum_s, name,
			m->route[r].n);
}

int mgen__serve_metrics_text(serve_metrics *m, mgen_buf *out)
{
	int r, i;

	pthread_mutex_lock(&m->mu);
	mgen_buf_puts(out, "# HELP metagen_http_requests_total HTTP requests "
			   "answered, by route and status.\n"
			   "# TYPE metagen_http_requests_total counter\n");
	for (r = 0; r < R_COUNT; r++)
		for (i = 0; i < SERVE_STATUSES && m->route[r].status[i]; i++)
			mgen_buf_printf(out,
					"metagen_http_requests_total{route="
					"\"%s\",status=\"%d\"} %lld\n",
					mgen__serve_route_name(r),
					m->route[r].status[i],
					m->route[r].count[i]);
	mgen_buf_puts(out, "# HELP metagen_http_request_duration_seconds "
			   "Time from the request's first byte to the "
			   "response.\n"
			   "# TYPE metagen_http_request_duration_seconds "
			   "histogram\n");
	for (r = 0; r < R_COUNT; r++)
		histogram(m, r, out);
	mgen_buf_printf(out,
			"# HELP metagen_http_requests_in_flight Requests "
			"being answered.\n"
			"# TYPE metagen_http_requests_in_flight gauge\n"
			"metagen_http_requests_in_flight %lld\n",
			m->inflight);
	pthread_mutex_unlock(&m->mu);
	return mgen_buf_error(out) ? -1 : 0;
}

/* What cppcheck needs to know of libbpf's and libxdp's option macros
 * (make lint includes this first). */
#define DECLARE_LIBBPF_OPTS(TYPE, NAME, ...) struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }
#define LIBBPF_OPTS(TYPE, NAME, ...) DECLARE_LIBBPF_OPTS(TYPE, NAME, __VA_ARGS__)
#define DECLARE_LIBXDP_OPTS DECLARE_LIBBPF_OPTS

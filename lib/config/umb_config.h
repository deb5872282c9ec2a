/* SPDX-License-Identifier: BSD-3-Clause
 * Live-mode configuration: the launch file (`umbra [EAL args] -- --config
 * FILE`) and the port files it names, read with DPDK's rte_cfgfile (INI).
 * Every key has one setter that parses strictly and range-checks; every
 * error names the file, the line, the [section] and the key. Unknown
 * sections and keys are errors, so a typo never passes silently. After
 * umb_config_load() returns, the structures are read-only plain data: no
 * pointers, safe to copy to any lcore. docs/config.md lists every key.
 */
#ifndef UMB_CONFIG_H
#define UMB_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UMB_CONFIG_MAX_PORTS 8       /**< ports in one launch file */
#define UMB_CONFIG_MAX_METHODS 16    /**< entries of the method allowlist */
#define UMB_CONFIG_METHOD_LEN 16     /**< a method token, NUL included */
#define UMB_CONFIG_NAME_LEN 32       /**< a port name, NUL included */
#define UMB_CONFIG_DEVARGS_LEN 256   /**< a device string, NUL included */
#define UMB_CONFIG_PATH_LEN 512      /**< a resolved path, NUL included */
#define UMB_CONFIG_ROLES_LEN 256     /**< the lcore map, NUL included */

/** Sample shares are parts per million of flows (same scale as lib/flow). */
#define UMB_CONFIG_SHARE_ONE 1000000u

/*
 * Bits of umb_port_conf.decap, the encapsulations a tap port decodes (the
 * same values as lib/packet's UMB_DECAP_*).
 */
#define UMB_CONFIG_DECAP_VXLAN  0x01
#define UMB_CONFIG_DECAP_GENEVE 0x02
#define UMB_CONFIG_DECAP_ERSPAN 0x04
#define UMB_CONFIG_DECAP_GRE    0x08
#define UMB_CONFIG_DECAP_AUTO   0x0f  /**< every one, on the standard ports */

/** What a port is for. */
enum umb_port_role {
	UMB_PORT_TAP = 1,     /**< receives the production copy, never transmits */
	UMB_PORT_SHADOW = 2,  /**< transmits to and receives from the shadow */
};

/**
 * One port file: section [port] for every port, section [shadow] for a
 * shadow port only. Members marked "shadow" are zero on a tap port; those
 * marked "tap" (keys of [port] that only a tap port may set) are zero on a
 * shadow port.
 * Addresses are in network byte order, ports and VLAN ids in host order.
 */
struct umb_port_conf {
	char file[UMB_CONFIG_PATH_LEN];  /**< the port file, as resolved */
	char name[UMB_CONFIG_NAME_LEN];  /**< key `name`; default: file name without .ini */
	enum umb_port_role role;         /**< key `role`: tap or shadow */
	char devargs[UMB_CONFIG_DEVARGS_LEN]; /**< key `devargs`: a DPDK device or vdev string */
	uint16_t rx_desc;                /**< RX ring size, power of 2, 64..16384 (1024) */
	uint16_t tx_desc;                /**< TX ring size, power of 2, 64..16384 (1024) */
	uint16_t mtu;                    /**< 68..9600 (1500) */

	/* [port] keys of a tap port: decapsulation of mirror traffic */
	uint8_t decap;                   /**< tap: `decap` auto|none|list as UMB_CONFIG_DECAP_* (auto) */
	uint8_t decap_key_inner;         /**< tap: `decap_key` inner (1) or session (0, default) */
	uint16_t vxlan_port;             /**< tap: UDP port of VXLAN, 1..65535 (4789) */
	uint16_t geneve_port;            /**< tap: UDP port of GENEVE, 1..65535 (6081) */

	/* [shadow] section */
	uint8_t has_mac;                 /**< shadow: `mac` given; else use the port's MAC */
	uint8_t has_ipv4;                /**< shadow: `ipv4` given (then target_ipv4 too) */
	uint8_t has_ipv6;                /**< shadow: `ipv6` given (then target_ipv6 too) */
	uint8_t target_ipv4_keep;        /**< shadow: target_ipv4 = keep (original destination) */
	uint8_t target_ipv6_keep;        /**< shadow: target_ipv6 = keep (original destination) */
	uint8_t next_hop_resolve;        /**< shadow: next_hop_mac = resolve (ARP/ND), default */
	struct rte_ether_addr mac;       /**< shadow: umbra's own MAC on the shadow link */
	struct rte_ether_addr next_hop_mac; /**< shadow: unless next_hop_resolve */
	rte_be32_t ipv4;                 /**< shadow: umbra's address the shadow replies to */
	rte_be32_t target_ipv4;          /**< shadow: the shadow service, unless keep */
	uint8_t ipv6[16];                /**< shadow: umbra's IPv6 address */
	uint8_t target_ipv6[16];         /**< shadow: the shadow service, unless keep */
	uint16_t target_port;            /**< shadow: service port; 0 = keep original */
	uint16_t vlan;                   /**< shadow: 802.1Q id toward the shadow; 0 = none */
	uint16_t src_port_min;           /**< shadow: SNAT source ports, 1024..65535 (20000) */
	uint16_t src_port_max;           /**< shadow: >= src_port_min (59999) */
};

/**
 * A listening address: key `metrics = [ADDR:]PORT` of [launch] and
 * `--metrics` (one parser, umb_config_parse_listen()). Plain data.
 */
struct umb_listen_conf {
	uint8_t enabled;                 /**< 0: off (key absent) */
	uint8_t family;                  /**< AF_INET or AF_INET6 */
	uint16_t port;                   /**< 1..65535, host order */
	uint8_t addr[16];                /**< network order: 4 bytes (IPv4) or 16 */
};

/** Default address of a listener given as a bare PORT. */
#define UMB_CONFIG_LISTEN_DEFAULT_ADDR "127.0.0.1"

/** Bytes kept of the parts of a Redis URL (NUL included). */
#define UMB_CONFIG_REDIS_HOST_LEN 256
#define UMB_CONFIG_REDIS_PATH_LEN 108    /**< a unix socket path (sun_path) */
#define UMB_CONFIG_REDIS_USER_LEN 128
#define UMB_CONFIG_REDIS_PASS_LEN 256
#define UMB_CONFIG_LAUNCH_LEN 65         /**< a launch name: [A-Za-z0-9_.-]{1,64} */
#define UMB_CONFIG_LAUNCH_DEFAULT "default"

/**
 * Where the fleet store is: key `redis` of [launch] and `--redis` (one
 * parser, umb_config_parse_redis()). `redis://[user:password@]host[:port][/db]`
 * (port 6379 and db 0 by default, user and password percent-decoded) or
 * `unix:///path[?db=N]`. The password may also come from
 * `redis_password_file` or the environment (app/umbra/redis.c): it is never
 * printed (umb_config_redis_str() masks it). Plain data.
 */
struct umb_redis_conf {
	uint8_t enabled;                 /**< 0: off (key absent) */
	uint8_t is_unix;                 /**< 1: unix socket at path, else TCP host:port */
	uint16_t port;                   /**< TCP: 1..65535 (6379) */
	uint32_t db;                     /**< SELECT db, 0..65535 (0) */
	char host[UMB_CONFIG_REDIS_HOST_LEN]; /**< TCP: name, IPv4 or IPv6 literal */
	char path[UMB_CONFIG_REDIS_PATH_LEN]; /**< unix: absolute socket path */
	char user[UMB_CONFIG_REDIS_USER_LEN]; /**< AUTH user (ACL); "": none */
	char password[UMB_CONFIG_REDIS_PASS_LEN]; /**< AUTH password; "": none */
};

/**
 * The launch file: section [launch]. Times are stored in microseconds,
 * the share in parts per million.
 */
struct umb_launch_conf {
	char file[UMB_CONFIG_PATH_LEN];  /**< the launch file, as given */
	uint16_t nb_ports;               /**< entries of ports[], 2 in this version */
	uint16_t tap_port;               /**< index of the tap port in ports[] */
	uint16_t shadow_port;            /**< index of the shadow port in ports[] */
	struct umb_port_conf ports[UMB_CONFIG_MAX_PORTS]; /**< key `ports`, in listed order */
	uint32_t sample_share_ppm;       /**< `sample_share` percent 0..100 (10) as ppm */
	uint64_t sample_seed;            /**< (0) */
	uint8_t record_unsampled;        /**< parse unsampled flows too, outcome not_sampled (no) */
	uint16_t nb_methods;             /**< entries of methods[] */
	char methods[UMB_CONFIG_MAX_METHODS][UMB_CONFIG_METHOD_LEN];
	/**< allowlist (GET,HEAD,OPTIONS): no byte of another method reaches the shadow */
	uint32_t max_sessions;           /**< concurrent shadow sessions (10000) */
	uint32_t new_sessions_per_sec;   /**< token bucket rate of new sessions (1000) */
	uint32_t session_burst;          /**< token bucket depth (100) */
	uint32_t held_bytes_per_session; /**< client bytes held until the shadow ACKs (1 MiB) */
	uint32_t shadow_queue_max;      /**< requests waiting for the shadow per flow (64): past it, capped */
	uint64_t shadow_response_timeout_us; /**< request sent to response begun (10 s) */
	uint64_t shadow_idle_timeout_us; /**< shadow session idle before teardown (30 s) */
	uint64_t flow_idle_timeout_us;   /**< production flow idle before expiry (120 s) */
	uint32_t max_flows;              /**< flow table entries (65536) */
	char exchanges[UMB_CONFIG_PATH_LEN];   /**< JSON lines output; "" = none, "-" = stdout */
	char summary_json[UMB_CONFIG_PATH_LEN]; /**< summary JSON output; "" = none */
	char roles[UMB_CONFIG_ROLES_LEN];      /**< lcore map "0:rx+export,1:reasm"; "": default */
	char compare[UMB_CONFIG_PATH_LEN];     /**< compare file (docs/compare.md); "": defaults */
	uint32_t compare_body_max;       /**< body bytes kept per answer for comparing (1 MiB) */
	uint32_t compare_memcap_mb;      /**< all kept headers, bodies and diffs (64 MiB) */
	struct umb_listen_conf metrics;  /**< Prometheus endpoint `[ADDR:]PORT` (off) */
	struct umb_redis_conf redis;     /**< `redis` URL of the fleet store (off) */
	char redis_password_file[UMB_CONFIG_PATH_LEN]; /**< `redis_password_file`; "": none */
	char redis_password[UMB_CONFIG_REDIS_PASS_LEN]; /**< its content, read at load */
	char launch[UMB_CONFIG_LAUNCH_LEN]; /**< `launch` name (UMB_CONFIG_LAUNCH_DEFAULT) */
};

/**
 * Load a launch file and every port file it names.
 *
 * Relative paths in a file (ports, exchanges, summary_json) are taken
 * relative to the directory of the launch file. On success every member of
 * @p out is set, defaults included; on failure @p out is undefined.
 *
 * @param path
 *   The launch file.
 * @param out
 *   Filled in.
 * @param err
 *   Receives one line (no newline) naming the file, line, [section] and
 *   key, e.g. "config/shadow.ini:7: [shadow] ipv4: '10.0.0.300' is not an
 *   IPv4 address". May be NULL.
 * @param err_size
 *   Size of @p err.
 * @return
 *   0 on success;
 *   -EINVAL a syntax, value, range or consistency error;
 *   -ENOENT the launch file or a port file does not exist;
 *   -EACCES, -EIO, ... the file could not be read (the errno of the read);
 *   -ENOMEM rte_cfgfile could not allocate.
 */
int umb_config_load(const char *path, struct umb_launch_conf *out,
		char *err, size_t err_size);

/**
 * Print the effective configuration, defaults included, as INI text: the
 * [launch] section, then each port's sections under a comment naming its
 * file. Used by `--check-config`.
 *
 * @param c
 *   A configuration loaded by umb_config_load().
 * @param f
 *   Output stream.
 */
void umb_config_dump(const struct umb_launch_conf *c, FILE *f);

/**
 * Parse a listening address "[ADDR:]PORT": ADDR an IPv4 literal, an IPv6
 * literal (bracketed "[::1]:9100", or bare "::1:9100": the last ':' splits),
 * default UMB_CONFIG_LISTEN_DEFAULT_ADDR; PORT 1..65535 in decimal.
 *
 * @param s
 *   The text.
 * @param out
 *   Set (enabled = 1) on success, untouched on failure.
 * @param why
 *   Receives the reason on failure (no newline), e.g. "'x' is not an IPv4
 *   or IPv6 address". May be NULL.
 * @param why_size
 *   Size of @p why.
 * @return
 *   0 or -EINVAL.
 */
int umb_config_parse_listen(const char *s, struct umb_listen_conf *out,
		char *why, size_t why_size);

/** "ADDR:PORT" ("[ADDR]:PORT" for IPv6) of @p l into @p buf; returns @p buf. */
const char *umb_config_listen_str(const struct umb_listen_conf *l, char *buf,
		size_t size);

/**
 * Parse a Redis URL (struct umb_redis_conf). Errors name the part that is
 * wrong and never repeat a password.
 *
 * @param s
 *   The URL.
 * @param out
 *   Set (enabled = 1) on success, untouched on failure.
 * @param why
 *   Receives the reason on failure (no newline), e.g. "port '99999' is not
 *   in [1, 65535]". May be NULL.
 * @param why_size
 *   Size of @p why.
 * @return
 *   0 or -EINVAL.
 */
int umb_config_parse_redis(const char *s, struct umb_redis_conf *out,
		char *why, size_t why_size);

/**
 * The URL of @p r with any user and password shown as three stars, e.g.
 * redis://(stars)@host:6379/0 or unix:///run/redis.sock?db=2; returns @p buf.
 */
const char *umb_config_redis_str(const struct umb_redis_conf *r, char *buf,
		size_t size);

/**
 * Check a launch name: 1 to 64 of [A-Za-z0-9_.-]. 0, or -EINVAL with the
 * reason in @p why.
 */
int umb_config_check_launch(const char *s, char *why, size_t why_size);

/** "tap" or "shadow" ("?" for any other value). */
const char *umb_port_role_name(enum umb_port_role role);

#ifdef __cplusplus
}
#endif
#endif

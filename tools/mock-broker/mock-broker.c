/*
 * A Kafka test broker for machines without Kafka: librdkafka's mock cluster, kept alive until
 * SIGTERM or SIGINT. Prints the cluster's bootstrap address as one line on stdout.
 *
 * Outages on command: SIGUSR1 takes every broker down (connections are closed and new ones
 * refused; the cluster keeps its topics, offsets and groups), SIGUSR2 brings them back up.
 * Each change is reported on stderr as "mock-broker: brokers down" / "mock-broker: brokers up".
 *
 *   mock-broker [-P] [-t topic:partitions]... [-e apikey:error[:count]]... [brokers]
 *
 * -P          stop when the process that started it dies (tests: no broker outlives them).
 * brokers     number of mock brokers (ids 1..N), default 1.
 * -t t:p      pre-create topic t with p partitions. Topics that are not pre-created are
 *             auto-created on first use with the mock's fixed default of 4 partitions
 *             (librdkafka offers no setting for that default, and the mock refuses
 *             CreateTopics).
 * -e k:e[:n]  answer the next n (default 1) requests with API key k with Kafka error code e,
 *             whichever client sends them: how tests get an error a real broker sends only
 *             rarely (14:42 is a SyncGroup answered INVALID_REQUEST).
 *
 * MOCK_BROKER_DEBUG, when set, is passed to librdkafka's `debug` setting: "mock" logs the
 * cluster's consumer-group state changes, joins, syncs and commits on stderr (a few lines per
 * rebalance), which is how a slow or stuck group join is told apart from a slow client.
 *
 * The mock listens on 127.0.0.1 only, on ports the kernel picks.
 * Build: cc -O2 -Wall -o mock-broker mock-broker.c $(pkg-config --cflags --libs rdkafka)
 */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64
#define MAX_ERRORS 16

static void usage(const char *self) {
        fprintf(stderr, "usage: %s [-P] [-t topic:partitions]... [-e apikey:error[:count]]... [brokers]\n",
                self);
        exit(2);
}

static int parse_positive(const char *text, int max) {
        char *end = NULL;
        long value;
        errno = 0;
        value = strtol(text, &end, 10);
        if (errno || end == text || *end != '\0' || value < 1 || value > max)
                return -1;
        return (int)value;
}

int main(int argc, char **argv) {
        const char *topics[MAX_TOPICS];
        const char *debug;
        int partitions[MAX_TOPICS];
        int topic_cnt = 0;
        int error_keys[MAX_ERRORS], error_codes[MAX_ERRORS], error_counts[MAX_ERRORS];
        int error_cnt = 0;
        int broker_cnt = 1;
        int opt, i, sig;
        int exit_with_parent = 0;
        pid_t parent = getppid();
        char errstr[512];
        sigset_t handled_signals;
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;

        while ((opt = getopt(argc, argv, "t:e:hP")) != -1) {
                if (opt == 'e') {
                        int n = 1, used = 0;
                        if (error_cnt == MAX_ERRORS ||
                            sscanf(optarg, "%d:%d%n:%d%n", &error_keys[error_cnt],
                                   &error_codes[error_cnt], &used, &n, &used) < 2 ||
                            optarg[used] != '\0' || error_keys[error_cnt] < 0 ||
                            error_keys[error_cnt] > 32767 || error_codes[error_cnt] < 1 ||
                            n < 1)
                                usage(argv[0]);
                        error_counts[error_cnt++] = n;
                } else if (opt == 'P') {
                        exit_with_parent = 1;
                } else if (opt == 't') {
                        char *colon = strrchr(optarg, ':');
                        if (!colon || colon == optarg || topic_cnt == MAX_TOPICS)
                                usage(argv[0]);
                        *colon = '\0';
                        topics[topic_cnt] = optarg;
                        partitions[topic_cnt] = parse_positive(colon + 1, 10000);
                        if (partitions[topic_cnt] < 0)
                                usage(argv[0]);
                        topic_cnt++;
                } else {
                        usage(argv[0]);
                }
        }
        if (optind < argc - 1)
                usage(argv[0]);
        if (optind == argc - 1 && (broker_cnt = parse_positive(argv[optind], 64)) < 0)
                usage(argv[0]);

        /* Block the handled signals before librdkafka starts its threads, so that they inherit the
         * mask and sigwait() below is the only place the signals arrive. */
        sigemptyset(&handled_signals);
        sigaddset(&handled_signals, SIGTERM);
        sigaddset(&handled_signals, SIGINT);
        sigaddset(&handled_signals, SIGUSR1);
        sigaddset(&handled_signals, SIGUSR2);
        if (pthread_sigmask(SIG_BLOCK, &handled_signals, NULL) != 0) {
                fprintf(stderr, "mock-broker: cannot block signals\n");
                return 1;
        }

        /* SIGTERM (handled below like any stop) when the parent dies; it may have died already. */
        if (exit_with_parent) {
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) {
                        fprintf(stderr, "mock-broker: parent gone\n");
                        return 1;
                }
        }

        /* The handle only hosts the cluster: it has no bootstrap servers and sends nothing. */
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-broker: %s\n", errstr);
                return 1;
        }
        /* MOCK_BROKER_DEBUG=mock logs the mock's group state changes (and more) to stderr. */
        debug = getenv("MOCK_BROKER_DEBUG");
        if (debug && *debug &&
            rd_kafka_conf_set(conf, "debug", debug, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-broker: MOCK_BROKER_DEBUG: %s\n", errstr);
                return 1;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-broker: rd_kafka_new: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mcluster) {
                fprintf(stderr, "mock-broker: failed to create the mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        for (i = 0; i < topic_cnt; i++) {
                int replicas = broker_cnt < 3 ? broker_cnt : 3;
                rd_kafka_resp_err_t err =
                    rd_kafka_mock_topic_create(mcluster, topics[i], partitions[i], replicas);
                if (err) {
                        fprintf(stderr, "mock-broker: cannot create topic %s: %s\n", topics[i],
                                rd_kafka_err2str(err));
                        rd_kafka_mock_cluster_destroy(mcluster);
                        rd_kafka_destroy(rk);
                        return 1;
                }
        }

        for (i = 0; i < error_cnt; i++) {
                int k;
                for (k = 0; k < error_counts[i]; k++)
                        rd_kafka_mock_push_request_errors(mcluster, (int16_t)error_keys[i], 1,
                                                          (rd_kafka_resp_err_t)error_codes[i]);
        }

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);

        for (;;) {
                if (sigwait(&handled_signals, &sig) != 0)
                        continue;
                if (sig == SIGUSR1 || sig == SIGUSR2) {
                        int up = sig == SIGUSR2;
                        int id, failed = 0;
                        for (id = 1; id <= broker_cnt; id++) {
                                rd_kafka_resp_err_t err =
                                    up ? rd_kafka_mock_broker_set_up(mcluster, id)
                                       : rd_kafka_mock_broker_set_down(mcluster, id);
                                if (err) {
                                        fprintf(stderr, "mock-broker: broker %d: %s\n", id,
                                                rd_kafka_err2str(err));
                                        failed = 1;
                                }
                        }
                        fprintf(stderr, "mock-broker: brokers %s%s\n", up ? "up" : "down",
                                failed ? " (with errors)" : "");
                        continue;
                }
                break;
        }
        fprintf(stderr, "mock-broker: signal %d, shutting down\n", sig);

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}

// A small RAII wrapper around librdkafka's admin API (Debian librdkafka-dev 2.0.2), shared by the
// admin tools (`strata topics`, `strata configs`, later `strata consumer-groups`). It talks to any
// Kafka-API cluster (Strata, Apache Kafka, Redpanda), never to Strata's internals.
//
// One AdminClient owns one rd_kafka_t handle. Every call sends one admin request (or a Metadata
// request), waits for its result event for at most timeout(), and turns librdkafka's and the
// broker's errors into an Error:
//   - KafkaErrc: the rd_kafka_resp_err_t code, i.e. Kafka's error code (> 0, e.g. 36
//     TOPIC_ALREADY_EXISTS) or one of librdkafka's local codes (< 0, e.g. -185 _TIMED_OUT); the
//     message is the broker's error message when it sent one;
//   - AdminErrc::invalid_argument: the caller's input (a properties file, a property librdkafka
//     rejects) is wrong.
// Nothing here throws; the commands decide how an error is printed.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace strata::cli {

enum class AdminErrc {
  // The command line or the --command-config file is wrong (Kafka's tools: IllegalArgumentException).
  invalid_argument = 1,
  // librdkafka 2.0.2 cannot send the request (the message says what is missing).
  unsupported,
};
constexpr std::string_view error_category(AdminErrc) { return "admin"; }

// rd_kafka_resp_err_t values: Kafka's error codes and librdkafka's local ones. Only the codes the
// tools test for are named; any other value is still a valid KafkaErrc.
enum class KafkaErrc : int {
  timed_out = -185,                // RD_KAFKA_RESP_ERR__TIMED_OUT
  unknown_topic_or_partition = 3,  // UNKNOWN_TOPIC_OR_PARTITION
  topic_already_exists = 36,       // TOPIC_ALREADY_EXISTS
  invalid_config = 40,             // INVALID_CONFIG
};
constexpr std::string_view error_category(KafkaErrc) { return "kafka"; }

// Kafka's name of an error code ("TOPIC_ALREADY_EXISTS", "_TIMED_OUT" for local ones).
std::string kafka_error_name(int code);

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;  // -1: no leader
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int error = 0;  // KafkaErrc value, 0 for none
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // in partition id order
  int error = 0;
};

struct ClusterInfo {
  std::vector<int32_t> brokers;   // node ids, ascending
  std::vector<TopicInfo> topics;  // by name
};

// ConfigResource.Type ids.
enum class ResourceType : int8_t { topic = 2, broker = 4 };

// DescribeConfigsResponse's ConfigSource ids.
enum class ConfigSource : int8_t {
  unknown = 0,
  dynamic_topic = 1,
  dynamic_broker = 2,
  dynamic_default_broker = 3,
  static_broker = 4,
  default_config = 5,
};
// Kafka's enum names: "DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG", ...
std::string_view config_source_name(ConfigSource source);

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::unknown;
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // absent for sensitive entries and entries without a value
  ConfigSource source = ConfigSource::unknown;
  bool sensitive = false;
  bool read_only = false;
  std::vector<ConfigSynonym> synonyms;  // most specific first, as the broker sends them
};

struct NewTopic {
  std::string name;
  int partitions = -1;          // -1: the broker's num.partitions
  int replication_factor = -1;  // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;
};

struct AdminClientOptions {
  std::string bootstrap_servers;  // --bootstrap-server
  std::string command_config;     // --command-config FILE, may be empty
};

class AdminClient {
 public:
  // Kafka's admin client property for how long one call may take, read from the command config
  // (librdkafka has no such property, so it is not passed on).
  static constexpr std::string_view kTimeoutProperty = "default.api.timeout.ms";
  static constexpr std::chrono::milliseconds kDefaultTimeout{60000};  // Kafka's default

  // Creates the handle: the --command-config properties (Java .properties) are passed to
  // librdkafka, then bootstrap.servers. A property librdkafka does not know is reported in
  // `warnings` and skipped (as Kafka's admin client does); an invalid value is an error. No
  // connection is made yet.
  static result<AdminClient> create(const AdminClientOptions& options, std::vector<std::string>* warnings);

  AdminClient(AdminClient&&) noexcept;
  AdminClient& operator=(AdminClient&&) noexcept;
  ~AdminClient();

  std::chrono::milliseconds timeout() const;

  // Brokers and every topic of the cluster (a Metadata request for all topics); `call` names the
  // operation in a timeout message ("listTopics").
  result<ClusterInfo> describe_cluster(std::string_view call);

  result<void> create_topic(const NewTopic& topic);
  // Deletes the topics; the first failure is the error.
  result<void> delete_topics(const std::vector<std::string>& topics);
  // Grows the topics to `total_partitions` each; the first failure is the error.
  result<void> create_partitions(const std::vector<std::string>& topics, int total_partitions);

  // The configs of one resource, with synonyms, in the broker's order. A broker resource must be
  // named by its id: librdkafka 2.0.2 routes the request to that broker and cannot send one for the
  // cluster-wide defaults (name ""), which is AdminErrc::unsupported.
  result<std::vector<ConfigEntry>> describe_configs(ResourceType type, const std::string& name);
  // The legacy AlterConfigs request: `configs` becomes the whole set of dynamic configs of the
  // resource (entries not listed go back to their defaults). librdkafka 2.0.2 has no
  // IncrementalAlterConfigs; callers merge with describe_configs() first.
  result<void> alter_configs(ResourceType type, const std::string& name,
                             const std::map<std::string, std::string>& configs);

 private:
  friend struct AdminClientAccess;  // admin_client_access.h
  struct State;
  explicit AdminClient(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The two options every admin tool takes: --bootstrap-server and --command-config.
void add_admin_client_options(CLI::App& cmd, AdminClientOptions& options, const std::string& bootstrap_help);

// AdminClient::create for a tool: the warnings go to `err` as "WARNING: ..." lines.
result<AdminClient> create_admin_client(const AdminClientOptions& options, std::ostream& err);

}  // namespace strata::cli

#include "cli/admin_client.h"
#include "cli/admin_client_access.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <charconv>
#include <ostream>
#include <regex>

#include "cluster/properties.h"

namespace strata::cli {

namespace {

using Clock = std::chrono::steady_clock;

// librdkafka reports the result of a request that timed out itself; this is only the bound on
// waiting for that report, in case it never comes.
constexpr std::chrono::milliseconds kResultGrace{5000};
constexpr std::chrono::milliseconds kPollInterval{100};
constexpr const char* kClientId = "strata-admin";
constexpr size_t kErrstrSize = 512;

// unique_ptr's deleter for a librdkafka object: its destroy function.
template <auto Destroy>
struct Destroyer {
  template <class T>
  void operator()(T* p) const {
    Destroy(p);
  }
};
template <class T, auto Destroy>
using Owned = std::unique_ptr<T, Destroyer<Destroy>>;

using EventPtr = Owned<rd_kafka_event_t, rd_kafka_event_destroy>;
using QueuePtr = Owned<rd_kafka_queue_t, rd_kafka_queue_destroy>;
using OptionsPtr = Owned<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>;
using ConfPtr = Owned<rd_kafka_conf_t, rd_kafka_conf_destroy>;
using NewTopicPtr = Owned<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>;
using DeleteTopicPtr = Owned<rd_kafka_DeleteTopic_t, rd_kafka_DeleteTopic_destroy>;
using NewPartitionsPtr = Owned<rd_kafka_NewPartitions_t, rd_kafka_NewPartitions_destroy>;
using ConfigResourcePtr = Owned<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>;
using MetadataPtr = Owned<const rd_kafka_metadata_t, rd_kafka_metadata_destroy>;

Error kafka_error(rd_kafka_resp_err_t code, const char* message) {
  return Error(static_cast<KafkaErrc>(code), message && *message ? message : rd_kafka_err2str(code));
}

// Every call below keeps the wrapper's librdkafka objects alive in one array for the C API.
template <class T, class D>
std::vector<T*> raw(const std::vector<std::unique_ptr<T, D>>& owned) {
  std::vector<T*> out;
  out.reserve(owned.size());
  for (const auto& p : owned) out.push_back(p.get());
  return out;
}

std::optional<std::string> optional_string(const char* s) { return s ? std::optional<std::string>(s) : std::nullopt; }

ConfigSource to_source(rd_kafka_ConfigSource_t s) {
  const int id = static_cast<int>(s);
  if (id < 0 || id > static_cast<int>(ConfigSource::default_config)) return ConfigSource::unknown;
  return static_cast<ConfigSource>(id);
}

result<void> topic_results(const rd_kafka_topic_result_t** results, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return kafka_error(err, rd_kafka_topic_result_error_string(results[i]));
    }
  }
  return success();
}

void ignore_log(const rd_kafka_t*, int, const char*, const char*) {}

// Kafka's clients take SASL credentials as a JAAS line, librdkafka as two properties: the
// username and password of a PlainLoginModule or ScramLoginModule line become sasl.username and
// sasl.password, so a command config written for Kafka's tools works unchanged.
constexpr std::string_view kJaasProperty = "sasl.jaas.config";

template <class Set>
result<void> set_jaas_credentials(const std::string& jaas, Set& set, std::string_view source) {
  static const std::regex username(R"re(\busername\s*=\s*"([^"]*)")re");
  static const std::regex password(R"re(\bpassword\s*=\s*"([^"]*)")re");
  std::smatch user;
  std::smatch pass;
  if (!std::regex_search(jaas, user, username) || !std::regex_search(jaas, pass, password)) {
    return Error(AdminErrc::invalid_argument,
                 fmt::format("{}: {} needs username=\"...\" and password=\"...\" (a PlainLoginModule or "
                             "ScramLoginModule line); for other mechanisms set librdkafka's sasl.* properties",
                             source, kJaasProperty));
  }
  STRATA_TRY(set("sasl.username", user[1].str(), source));
  return set("sasl.password", pass[1].str(), source);
}

// librdkafka sends a broker resource's request to the broker of that id, parsing the name with
// strtol; 2.0.2 crashes in rd_kafka_DescribeConfigs on a name that is not one (such as "", the
// cluster-wide defaults), so such names never reach it.
result<void> check_resource(ResourceType type, const std::string& name) {
  if (type != ResourceType::broker) return success();
  int32_t id = -1;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec == std::errc() && end == name.data() + name.size() && id >= 0) return success();
  return Error(AdminErrc::unsupported,
               fmt::format("librdkafka {} can only address the configs of one broker by its id, not \"{}\"",
                           rd_kafka_version_str(), name));
}

}  // namespace

struct AdminClient::State {
  rd_kafka_t* rk = nullptr;
  std::chrono::milliseconds timeout = kDefaultTimeout;
  // The last error librdkafka reported for the client as a whole (a refused connection, a failed
  // name lookup): what a timeout message adds so that the user learns why.
  std::string last_error;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (rk) rd_kafka_destroy(rk);
  }

  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* state = static_cast<State*>(opaque);
    // "1/1 brokers are down" follows the error that says why (refused, unresolvable): keep that one.
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !state->last_error.empty()) return;
    state->last_error = reason ? reason : "";
  }

  // Runs the error callbacks librdkafka queued on the main queue.
  void serve_callbacks() { rd_kafka_poll(rk, 0); }

  Error timed_out(std::string_view call, const char* detail) {
    serve_callbacks();
    std::string message = fmt::format("Timed out waiting for the cluster after {} ms. Call: {}", timeout.count(), call);
    if (detail && *detail) message += fmt::format(" ({})", detail);
    if (!last_error.empty()) message += fmt::format("; last error: {}", last_error);
    return Error(KafkaErrc::timed_out, std::move(message));
  }

  result<OptionsPtr> options(rd_kafka_admin_op_t op, bool operation_timeout) {
    OptionsPtr options(rd_kafka_AdminOptions_new(rk, op));
    char errstr[kErrstrSize];
    const int ms = static_cast<int>(timeout.count());
    if (rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof errstr) ||
        (operation_timeout && rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof errstr))) {
      return Error(AdminErrc::invalid_argument, fmt::format("{}={}: {}", kTimeoutProperty, ms, errstr));
    }
    return options;
  }

  // Sends one admin request (`send(options, queue)` calls the librdkafka function) and waits for
  // its result event; `call` names the request in a timeout message.
  template <class Send>
  result<EventPtr> request(rd_kafka_admin_op_t op, bool operation_timeout, std::string_view call, Send send) {
    STRATA_TRY_ASSIGN(OptionsPtr admin_options, options(op, operation_timeout));
    QueuePtr queue(rd_kafka_queue_new(rk));
    send(admin_options.get(), queue.get());
    return wait(queue.get(), call);
  }

  // Waits for the result event of the request just sent on `queue`.
  result<EventPtr> wait(rd_kafka_queue_t* queue, std::string_view call) {
    const auto deadline = Clock::now() + timeout + kResultGrace;
    while (Clock::now() < deadline) {
      EventPtr event(rd_kafka_queue_poll(queue, static_cast<int>(kPollInterval.count())));
      serve_callbacks();
      if (!event) continue;
      const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
      if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) return timed_out(call, rd_kafka_event_error_string(event.get()));
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka_error(err, rd_kafka_event_error_string(event.get()));
      return event;
    }
    return timed_out(call, nullptr);
  }
};

std::string kafka_error_name(int code) { return rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code)); }

std::string_view config_source_name(ConfigSource source) {
  switch (source) {
    case ConfigSource::dynamic_topic: return "DYNAMIC_TOPIC_CONFIG";
    case ConfigSource::dynamic_broker: return "DYNAMIC_BROKER_CONFIG";
    case ConfigSource::dynamic_default_broker: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case ConfigSource::static_broker: return "STATIC_BROKER_CONFIG";
    case ConfigSource::default_config: return "DEFAULT_CONFIG";
    case ConfigSource::unknown: break;
  }
  return "UNKNOWN";
}

AdminClient::AdminClient(std::unique_ptr<State> state) : state_(std::move(state)) {}
AdminClient::AdminClient(AdminClient&&) noexcept = default;
AdminClient& AdminClient::operator=(AdminClient&&) noexcept = default;
AdminClient::~AdminClient() = default;

std::chrono::milliseconds AdminClient::timeout() const { return state_->timeout; }

result<AdminClient> AdminClient::create(const AdminClientOptions& options, std::vector<std::string>* warnings) {
  auto state = std::make_unique<State>();
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[kErrstrSize];
  auto set = [&](const std::string& key, const std::string& value, std::string_view source) -> result<void> {
    switch (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr)) {
      case RD_KAFKA_CONF_OK: return success();
      case RD_KAFKA_CONF_UNKNOWN:
        if (warnings)
          warnings->push_back(fmt::format("The configuration '{}' was supplied but isn't a known config.", key));
        return success();
      case RD_KAFKA_CONF_INVALID: break;
    }
    return Error(AdminErrc::invalid_argument, fmt::format("{}: {}", source, errstr));
  };

  STRATA_TRY(set("client.id", kClientId, "client.id"));
  bool debug = false;
  if (!options.command_config.empty()) {
    auto properties = cluster::read_properties_file(options.command_config);
    if (!properties) return Error(AdminErrc::invalid_argument, properties.error().message());
    for (const auto& [key, value] : *properties) {
      if (key == kTimeoutProperty) {
        int64_t ms = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
        if (ec != std::errc() || end != value.data() + value.size() || ms <= 0 || ms > INT32_MAX) {
          return Error(AdminErrc::invalid_argument,
                       fmt::format("{}: Invalid value {} for configuration {}: must be a positive number of ms",
                                   options.command_config, value, key));
        }
        state->timeout = std::chrono::milliseconds(ms);
        continue;
      }
      debug = debug || key == "debug";
      if (key == kJaasProperty) {
        STRATA_TRY(set_jaas_credentials(value, set, options.command_config));
        continue;
      }
      STRATA_TRY(set(key, value, options.command_config));
    }
  }
  STRATA_TRY(set("bootstrap.servers", options.bootstrap_servers, "--bootstrap-server"));

  // Connection errors are kept for the timeout message instead of being logged to stderr;
  // `debug=...` in the command config brings librdkafka's own log back.
  rd_kafka_conf_set_opaque(conf.get(), state.get());
  rd_kafka_conf_set_error_cb(conf.get(), State::on_error);
  if (!debug) rd_kafka_conf_set_log_cb(conf.get(), ignore_log);

  state->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr);
  if (!state->rk) return Error(AdminErrc::invalid_argument, errstr);
  conf.release();  // rd_kafka_new took it
  return AdminClient(std::move(state));
}

void add_admin_client_options(CLI::App& cmd, AdminClientOptions& options, const std::string& bootstrap_help) {
  cmd.add_option("--bootstrap-server", options.bootstrap_servers, bootstrap_help);
  cmd.add_option("--command-config", options.command_config,
                 fmt::format("Property file containing configs to be passed to the admin client (librdkafka names; "
                             "{} bounds each call).",
                             AdminClient::kTimeoutProperty));
}

result<AdminClient> create_admin_client(const AdminClientOptions& options, std::ostream& err) {
  std::vector<std::string> warnings;
  auto client = AdminClient::create(options, &warnings);
  for (const auto& w : warnings) err << "WARNING: " << w << "\n";
  return client;
}

result<ClusterInfo> AdminClient::describe_cluster(std::string_view call) {
  const rd_kafka_metadata_t* raw_metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(state_->rk, /*all_topics=*/1, nullptr, &raw_metadata,
                                                    static_cast<int>(state_->timeout.count()));
  MetadataPtr metadata(raw_metadata);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT)
    return state_->timed_out(call, nullptr);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka_error(err, nullptr);

  ClusterInfo info;
  for (int i = 0; i < metadata->broker_cnt; ++i) info.brokers.push_back(metadata->brokers[i].id);
  std::sort(info.brokers.begin(), info.brokers.end());
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& mt = metadata->topics[t];
    TopicInfo topic{mt.topic, {}, mt.err};
    for (int p = 0; p < mt.partition_cnt; ++p) {
      const rd_kafka_metadata_partition_t& mp = mt.partitions[p];
      topic.partitions.push_back(PartitionInfo{mp.id, mp.leader,
                                               std::vector<int32_t>(mp.replicas, mp.replicas + mp.replica_cnt),
                                               std::vector<int32_t>(mp.isrs, mp.isrs + mp.isr_cnt), mp.err});
    }
    std::sort(topic.partitions.begin(), topic.partitions.end(),
              [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
    info.topics.push_back(std::move(topic));
  }
  std::sort(info.topics.begin(), info.topics.end(),
            [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
  return info;
}

result<void> AdminClient::create_topic(const NewTopic& topic) {
  char errstr[kErrstrSize];
  NewTopicPtr new_topic(
      rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions, topic.replication_factor, errstr, sizeof errstr));
  if (!new_topic) return Error(AdminErrc::invalid_argument, errstr);
  for (const auto& [key, value] : topic.configs) {
    if (rd_kafka_NewTopic_set_config(new_topic.get(), key.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Error(AdminErrc::invalid_argument, fmt::format("Invalid topic config {}={}", key, value));
    }
  }
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  STRATA_TRY_ASSIGN(EventPtr event, state_->request(RD_KAFKA_ADMIN_OP_CREATETOPICS, true, "createTopics",
                                                    [&](auto* options, auto* queue) {
                                                      rd_kafka_CreateTopics(state_->rk, topics, 1, options, queue);
                                                    }));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  return topic_results(results, count);
}

result<void> AdminClient::delete_topics(const std::vector<std::string>& topics) {
  if (topics.empty()) return success();
  std::vector<DeleteTopicPtr> owned;
  for (const auto& name : topics) owned.emplace_back(rd_kafka_DeleteTopic_new(name.c_str()));
  auto array = raw(owned);
  STRATA_TRY_ASSIGN(
      EventPtr event,
      state_->request(RD_KAFKA_ADMIN_OP_DELETETOPICS, true, "deleteTopics", [&](auto* options, auto* queue) {
        rd_kafka_DeleteTopics(state_->rk, array.data(), array.size(), options, queue);
      }));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  return topic_results(results, count);
}

result<void> AdminClient::create_partitions(const std::vector<std::string>& topics, int total_partitions) {
  if (topics.empty()) return success();
  char errstr[kErrstrSize];
  std::vector<NewPartitionsPtr> owned;
  for (const auto& name : topics) {
    owned.emplace_back(
        rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total_partitions), errstr, sizeof errstr));
    if (!owned.back()) return Error(AdminErrc::invalid_argument, errstr);
  }
  auto array = raw(owned);
  STRATA_TRY_ASSIGN(
      EventPtr event,
      state_->request(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, true, "createPartitions", [&](auto* options, auto* queue) {
        rd_kafka_CreatePartitions(state_->rk, array.data(), array.size(), options, queue);
      }));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event.get()), &count);
  return topic_results(results, count);
}

result<std::vector<ConfigEntry>> AdminClient::describe_configs(ResourceType type, const std::string& name) {
  STRATA_TRY(check_resource(type, name));
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(static_cast<rd_kafka_ResourceType_t>(type), name.c_str()));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  STRATA_TRY_ASSIGN(
      EventPtr event,
      state_->request(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, false, "describeConfigs", [&](auto* options, auto* queue) {
        rd_kafka_DescribeConfigs(state_->rk, resources, 1, options, queue);
      }));
  size_t count = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  if (count != 1) return kafka_error(RD_KAFKA_RESP_ERR__BAD_MSG, "DescribeConfigs answered without the resource");
  if (const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0]); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return kafka_error(err, rd_kafka_ConfigResource_error_string(results[0]));
  }
  size_t entry_count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[0], &entry_count);
  std::vector<ConfigEntry> out;
  out.reserve(entry_count);
  for (size_t i = 0; i < entry_count; ++i) {
    const rd_kafka_ConfigEntry_t* e = entries[i];
    ConfigEntry entry{rd_kafka_ConfigEntry_name(e),
                      optional_string(rd_kafka_ConfigEntry_value(e)),
                      to_source(rd_kafka_ConfigEntry_source(e)),
                      rd_kafka_ConfigEntry_is_sensitive(e) == 1,
                      rd_kafka_ConfigEntry_is_read_only(e) == 1,
                      {}};
    size_t synonym_count = 0;
    const rd_kafka_ConfigEntry_t** synonyms = rd_kafka_ConfigEntry_synonyms(e, &synonym_count);
    for (size_t s = 0; s < synonym_count; ++s) {
      entry.synonyms.push_back(ConfigSynonym{rd_kafka_ConfigEntry_name(synonyms[s]),
                                             optional_string(rd_kafka_ConfigEntry_value(synonyms[s])),
                                             to_source(rd_kafka_ConfigEntry_source(synonyms[s]))});
    }
    out.push_back(std::move(entry));
  }
  return out;
}

result<void> AdminClient::alter_configs(ResourceType type, const std::string& name,
                                        const std::map<std::string, std::string>& configs) {
  STRATA_TRY(check_resource(type, name));
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(static_cast<rd_kafka_ResourceType_t>(type), name.c_str()));
  for (const auto& [key, value] : configs) {
    if (rd_kafka_ConfigResource_set_config(resource.get(), key.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Error(AdminErrc::invalid_argument, fmt::format("Invalid config {}={}", key, value));
    }
  }
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  STRATA_TRY_ASSIGN(EventPtr event, state_->request(RD_KAFKA_ADMIN_OP_ALTERCONFIGS, false, "alterConfigs",
                                                    [&](auto* options, auto* queue) {
                                                      rd_kafka_AlterConfigs(state_->rk, resources, 1, options, queue);
                                                    }));
  size_t count = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[i]); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return kafka_error(err, rd_kafka_ConfigResource_error_string(results[i]));
    }
  }
  return success();
}

rd_kafka_t* AdminClientAccess::handle(AdminClient& client) { return client.state_->rk; }

result<AdminOptions> AdminClientAccess::options(AdminClient& client, rd_kafka_admin_op_t op, bool operation_timeout) {
  STRATA_TRY_ASSIGN(OptionsPtr options, client.state_->options(op, operation_timeout));
  return AdminOptions(options.release());
}

result<AdminEvent> AdminClientAccess::wait(AdminClient& client, rd_kafka_queue_t* queue, std::string_view call) {
  STRATA_TRY_ASSIGN(EventPtr event, client.state_->wait(queue, call));
  return AdminEvent(event.release());
}

}  // namespace strata::cli

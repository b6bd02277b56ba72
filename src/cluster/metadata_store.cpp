#include "cluster/metadata_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <random>

#include "base/crc32c.h"
#include "cluster/properties.h"

namespace strata::cluster {

namespace {

constexpr std::string_view kMetadataDir = "strata-metadata";
constexpr std::string_view kSnapshotFile = "snapshot.json";
constexpr std::string_view kLogFile = "metadata.log";
constexpr std::string_view kMetaPropertiesFile = "meta.properties";
constexpr size_t kFrameHeaderSize = 8;  // u32 length + u32 CRC32C of the JSON
constexpr uint32_t kMaxRecordSize = 64 * 1024 * 1024;

Error corrupt(std::string message) { return Error(ClusterErrc::corrupt_metadata, std::move(message)); }

storage::TopicId random_uuid() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  storage::TopicId id;
  do {
    // Version 4 random UUID, as java.util.UUID.randomUUID (Kafka's Uuid.randomUuid).
    id = storage::TopicId::from_longs((rng() & ~0xF000ULL) | 0x4000ULL, (rng() & ~(3ULL << 62)) | (2ULL << 62));
  } while (id.is_zero() || id == storage::kMetadataTopicId || id.to_string().front() == '-');
  return id;
}

nlohmann::json topic_json(const TopicMetadata& t) {
  return {{"name", t.name}, {"id", t.id.to_string()}, {"partitions", t.partitions}, {"configs", t.configs}};
}

result<TopicMetadata> topic_from_json(const nlohmann::json& j) {
  TopicMetadata t;
  t.name = j.at("name").get<std::string>();
  STRATA_TRY_ASSIGN(t.id, storage::TopicId::from_string(j.at("id").get<std::string>()));
  t.partitions = j.at("partitions").get<int32_t>();
  t.configs = j.at("configs").get<std::map<std::string, std::string>>();
  return t;
}

// meta.properties in every log dir, as Kafka's `kafka-storage.sh format` writes it (version 1).
result<std::string> ensure_meta_properties(const std::vector<std::filesystem::path>& log_dirs, int32_t node_id) {
  std::string cluster_id;
  for (const auto& dir : log_dirs) {
    const auto path = dir / kMetaPropertiesFile;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    STRATA_TRY_ASSIGN(auto props, read_properties_file(path.string()));
    auto node = props.find("node.id");
    if (node != props.end() && node->second != std::to_string(node_id)) {
      return Error(
          ClusterErrc::invalid_config,
          fmt::format("{} says node.id={}, but this broker is node.id={}; this log dir belongs to another node",
                      path.string(), node->second, node_id));
    }
    auto cluster = props.find("cluster.id");
    if (cluster != props.end()) {
      if (!cluster_id.empty() && cluster_id != cluster->second) {
        return Error(
            ClusterErrc::invalid_config,
            fmt::format("{} has cluster.id={}, another log dir has {}; the log dirs belong to different clusters",
                        path.string(), cluster->second, cluster_id));
      }
      cluster_id = cluster->second;
    }
  }
  if (cluster_id.empty()) cluster_id = random_uuid().to_string();
  for (const auto& dir : log_dirs) {
    const auto path = dir / kMetaPropertiesFile;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) continue;
    std::filesystem::create_directories(dir, ec);
    const std::string text =
        fmt::format("#\n#Written by Strata\ncluster.id={}\ndirectory.id={}\nnode.id={}\nversion=1\n", cluster_id,
                    random_uuid().to_string(), node_id);
    STRATA_TRY(storage::write_file_atomically(path, text, true));
  }
  return cluster_id;
}

}  // namespace

result<std::unique_ptr<MetadataStore>> MetadataStore::open(const std::vector<std::filesystem::path>& log_dirs,
                                                           int32_t node_id, int snapshot_every) {
  if (log_dirs.empty()) return Error(ClusterErrc::invalid_config, "log.dirs names no directory");
  std::unique_ptr<MetadataStore> store(new MetadataStore(log_dirs.front() / kMetadataDir));
  store->snapshot_every_ = snapshot_every;
  std::error_code ec;
  std::filesystem::create_directories(store->dir_, ec);
  if (ec) return Error(ClusterErrc::io_error, fmt::format("cannot create {}: {}", store->dir_.string(), ec.message()));
  STRATA_TRY_ASSIGN(store->cluster_id_, ensure_meta_properties(log_dirs, node_id));
  STRATA_TRY(store->load());
  return store;
}

result<void> MetadataStore::load() {
  std::error_code ec;
  const auto snapshot_path = dir_ / kSnapshotFile;
  if (std::filesystem::exists(snapshot_path, ec)) {
    STRATA_TRY_ASSIGN(std::string text, storage::read_file(snapshot_path));
    try {
      const auto j = nlohmann::json::parse(text);
      if (j.contains("producer_id_block_end")) {
        producer_id_block_end_ = j.at("producer_id_block_end").get<int64_t>();
        next_producer_id_ = producer_id_block_end_;
      }
      for (const auto& t : j.at("topics")) {
        STRATA_TRY_ASSIGN(TopicMetadata topic, topic_from_json(t));
        topics_[topic.name] = std::move(topic);
      }
      if (j.contains("broker_configs")) {
        broker_configs_ = j.at("broker_configs").get<std::map<std::string, std::map<std::string, std::string>>>();
      }
    } catch (const nlohmann::json::exception& e) {
      return corrupt(fmt::format("{}: {}; restore it from a backup or remove the directory to start empty",
                                 snapshot_path.string(), e.what()));
    }
  }
  const auto log_path = dir_ / kLogFile;
  STRATA_TRY_ASSIGN(log_fd_, storage::open_file(log_path, O_RDWR | O_CREAT));
  STRATA_TRY_ASSIGN(int64_t size, storage::file_size(log_fd_.get(), log_path));
  bytes data(static_cast<size_t>(size));
  if (size > 0) STRATA_TRY(storage::pread_exact(log_fd_.get(), data, 0, log_path));
  int64_t pos = 0;
  while (pos < size) {
    if (size - pos < static_cast<int64_t>(kFrameHeaderSize)) break;
    const uint32_t length = load_be<uint32_t>(data.data() + pos);
    const uint32_t crc = load_be<uint32_t>(data.data() + pos + 4);
    if (length > kMaxRecordSize || size - pos - static_cast<int64_t>(kFrameHeaderSize) < length) break;
    bytes_view payload(data.data() + pos + kFrameHeaderSize, length);
    if (crc32c::compute(payload) != crc) break;
    if (auto applied = apply(std::string(as_string_view(payload))); !applied) {
      return applied.error().with_context(fmt::format("{} at byte {}", log_path.string(), pos));
    }
    pos += static_cast<int64_t>(kFrameHeaderSize) + length;
    ++records_since_snapshot_;
  }
  if (pos < size) {
    load_messages_.push_back(fmt::format("{}: cut {} bytes of a torn or corrupt record at byte {} (a crash mid-write)",
                                         log_path.string(), size - pos, pos));
    if (::ftruncate(log_fd_.get(), pos) != 0) return storage::errno_error("ftruncate", log_path, errno);
  }
  log_size_ = pos;
  return success();
}

result<void> MetadataStore::apply(const std::string& json) {
  try {
    const auto j = nlohmann::json::parse(json);
    const std::string type = j.at("type").get<std::string>();
    if (type == "create_topic") {
      STRATA_TRY_ASSIGN(TopicMetadata t, topic_from_json(j.at("topic")));
      topics_[t.name] = std::move(t);
    } else if (type == "delete_topic") {
      topics_.erase(j.at("name").get<std::string>());
    } else if (type == "set_configs") {
      topics_.at(j.at("name").get<std::string>()).configs = j.at("configs").get<std::map<std::string, std::string>>();
    } else if (type == "producer_id_block") {
      producer_id_block_end_ = j.at("end").get<int64_t>();
      next_producer_id_ = producer_id_block_end_;  // a restart starts at the next block
    } else if (type == "set_partition_count") {
      topics_.at(j.at("name").get<std::string>()).partitions = j.at("partitions").get<int32_t>();
    } else if (type == "set_broker_configs") {
      auto configs = j.at("configs").get<std::map<std::string, std::string>>();
      const std::string resource = j.at("resource").get<std::string>();
      if (configs.empty()) {
        broker_configs_.erase(resource);
      } else {
        broker_configs_[resource] = std::move(configs);
      }
    } else {
      return corrupt(fmt::format("unknown metadata record type '{}'", type));
    }
  } catch (const std::exception& e) {
    return corrupt(fmt::format("bad metadata record: {}", e.what()));
  }
  return success();
}

result<void> MetadataStore::append(const std::string& json) {
  bytes frame(kFrameHeaderSize + json.size());
  store_be<uint32_t>(frame.data(), static_cast<uint32_t>(json.size()));
  store_be<uint32_t>(frame.data() + 4, crc32c::compute(as_bytes_view(json)));
  std::memcpy(frame.data() + kFrameHeaderSize, json.data(), json.size());
  const auto log_path = dir_ / kLogFile;
  STRATA_TRY(storage::pwrite_all(log_fd_.get(), frame, log_size_, log_path));
  if (::fdatasync(log_fd_.get()) != 0) return storage::errno_error("fdatasync", log_path, errno);
  log_size_ += static_cast<int64_t>(frame.size());
  STRATA_TRY(apply(json));
  if (++records_since_snapshot_ >= snapshot_every_) STRATA_TRY(write_snapshot());
  return success();
}

result<void> MetadataStore::write_snapshot() {
  nlohmann::json topics = nlohmann::json::array();
  for (const auto& [name, t] : topics_) topics.push_back(topic_json(t));
  const nlohmann::json j = {{"version", 1},
                            {"cluster_id", cluster_id_},
                            {"producer_id_block_end", producer_id_block_end_},
                            {"topics", topics},
                            {"broker_configs", broker_configs_}};
  // The snapshot holds everything in the log: only once it is durable may the log be emptied.
  STRATA_TRY(storage::write_file_atomically(dir_ / kSnapshotFile, j.dump(1), true));
  const auto log_path = dir_ / kLogFile;
  if (::ftruncate(log_fd_.get(), 0) != 0) return storage::errno_error("ftruncate", log_path, errno);
  if (::fdatasync(log_fd_.get()) != 0) return storage::errno_error("fdatasync", log_path, errno);
  log_size_ = 0;
  records_since_snapshot_ = 0;
  return success();
}

const TopicMetadata* MetadataStore::find(std::string_view name) const {
  auto it = topics_.find(std::string(name));
  return it == topics_.end() ? nullptr : &it->second;
}

const TopicMetadata* MetadataStore::find(const storage::TopicId& id) const {
  for (const auto& [name, t] : topics_) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

result<TopicMetadata> MetadataStore::create_topic(const std::string& name, int32_t partitions,
                                                  std::map<std::string, std::string> configs) {
  if (find(name)) return Error(ClusterErrc::topic_exists, fmt::format("Topic '{}' already exists.", name));
  TopicMetadata t{name, random_uuid(), partitions, std::move(configs)};
  STRATA_TRY(append(nlohmann::json{{"type", "create_topic"}, {"topic", topic_json(t)}}.dump()));
  return t;
}

result<void> MetadataStore::delete_topic(const std::string& name) {
  if (!find(name)) return Error(ClusterErrc::unknown_topic, fmt::format("Topic '{}' does not exist.", name));
  return append(nlohmann::json{{"type", "delete_topic"}, {"name", name}}.dump());
}

result<void> MetadataStore::set_configs(const std::string& name, std::map<std::string, std::string> configs) {
  if (!find(name)) return Error(ClusterErrc::unknown_topic, fmt::format("Topic '{}' does not exist.", name));
  return append(nlohmann::json{{"type", "set_configs"}, {"name", name}, {"configs", configs}}.dump());
}

result<void> MetadataStore::set_partition_count(const std::string& name, int32_t partitions) {
  if (!find(name)) return Error(ClusterErrc::unknown_topic, fmt::format("Topic '{}' does not exist.", name));
  return append(nlohmann::json{{"type", "set_partition_count"}, {"name", name}, {"partitions", partitions}}.dump());
}

const std::map<std::string, std::string>& MetadataStore::broker_configs(std::string_view resource) const {
  static const std::map<std::string, std::string> kNone;
  auto it = broker_configs_.find(std::string(resource));
  return it == broker_configs_.end() ? kNone : it->second;
}

result<void> MetadataStore::set_broker_configs(const std::string& resource, std::map<std::string, std::string> configs) {
  return append(
      nlohmann::json{{"type", "set_broker_configs"}, {"resource", resource}, {"configs", configs}}.dump());
}

result<int64_t> MetadataStore::allocate_producer_id() {
  if (next_producer_id_ >= producer_id_block_end_) {
    const int64_t end = next_producer_id_ + kProducerIdBlockSize;
    STRATA_TRY(append(nlohmann::json{{"type", "producer_id_block"}, {"end", end}}.dump()));
    next_producer_id_ = end - kProducerIdBlockSize;  // apply() moved it to the block end
  }
  return next_producer_id_++;
}

}  // namespace strata::cluster

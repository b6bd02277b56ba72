#include "cli/objstore_command.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>

#include "cluster/properties.h"
#include "objstore/copy.h"
#include "objstore/open_url.h"
#include "objstore/run_blocking.h"
#include "objstore/self_test.h"

namespace strata::cli {

namespace {

namespace fs = std::filesystem;
using objstore::ObjectInfo;
using objstore::ObjectStore;
using objstore::OpenedUrl;
using objstore::run_blocking;
using objstore::UrlRoot;

constexpr int kFailed = 1;
constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kNsPerMs = 1e6;
constexpr size_t kFileThreads = 1;

// The command's context: where messages go and how URLs are opened.
class Tool {
 public:
  Tool(const ObjstoreOptions& options, std::ostream& out, std::ostream& err)
      : options_(options), out_(out), err_(err) {}

  // Reads --config; false (after a message) if it cannot be read.
  bool load_config() {
    if (options_.config_path.empty()) return true;
    result<std::map<std::string, std::string>> keys = cluster::read_properties_file(options_.config_path);
    if (!keys) return fail(fmt::format("{}: {}", options_.config_path, keys.error().message()));
    config_ = std::move(*keys);
    return true;
  }

  std::optional<OpenedUrl> open(const std::string& url, UrlRoot root) {
    objstore::OpenUrlOptions o;
    o.root = root;
    o.config = config_;
    result<OpenedUrl> opened = objstore::open_url(url, o);
    if (!opened) {
      fail(fmt::format("{}: {}", url, opened.error().message()));
      return std::nullopt;
    }
    return std::move(*opened);
  }

  int check();
  int ls();
  int stat();
  int cp();
  int rm();

 private:
  bool fail(const std::string& message) {
    err_ << "strata objstore " << command() << ": " << message << "\n";
    return false;
  }
  int fail_error(const std::string& url, const Error& e) {
    fail(fmt::format("{}: {}", url, e.message()));
    return kFailed;
  }
  std::string command() const {
    if (options_.check->parsed()) return "check";
    if (options_.ls->parsed()) return "ls";
    if (options_.stat->parsed()) return "stat";
    if (options_.cp->parsed()) return "cp";
    return "rm";
  }
  void print_object_line(const ObjectInfo& o);

  const ObjstoreOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  objstore::ConfigKeys config_;
  asio::io_context io_;
};

std::string time_text(int64_t ms) {
  const auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(tp));
}

std::string ms_text(std::chrono::nanoseconds ns) { return fmt::format("{:.2f}", static_cast<double>(ns.count()) / kNsPerMs); }

int Tool::check() {
  const std::string& url = options_.urls.front();
  std::optional<OpenedUrl> opened = open(url, UrlRoot::location);
  if (!opened) return kFailed;
  objstore::SelfTestOptions st;
  st.small_size = options_.small_size;
  st.small_count = options_.small_count;
  st.large_size = options_.large_size;
  st.chunk_size = options_.chunk_size;
  st.bucket = opened->bucket;
  out_ << "Checking " << opened->store->describe() << "\n";
  const objstore::SelfTestReport report = run_blocking(io_, objstore::run_self_test(*opened->store, st));
  out_ << "scratch prefix: " << report.prefix << "\n";
  out_ << fmt::format("{:<20} {:<7} {:>5} {:>9} {:>9} {:>9} {:>9}\n", "operation", "result", "ops", "p50 ms",
                      "p99 ms", "max ms", "MiB/s");
  for (const objstore::SelfTestStep& s : report.steps) {
    if (s.outcome == objstore::SelfTestStep::Outcome::failed) {
      out_ << fmt::format("{:<20} {:<7}\n", s.name, "FAILED");
      continue;
    }
    const std::string rate = s.bytes == 0 ? "-" : fmt::format("{:.1f}", s.bytes_per_second() / kMiB);
    out_ << fmt::format("{:<20} {:<7} {:>5} {:>9} {:>9} {:>9} {:>9}\n", s.name, "ok", s.operations, ms_text(s.p50),
                        ms_text(s.p99), ms_text(s.max), rate);
  }
  if (report.cleanup_error) {
    err_ << fmt::format("warning: scratch objects may be left under {}: {}\n", report.prefix,
                        report.cleanup_error->message());
  }
  if (const objstore::SelfTestStep* failed = report.first_failure()) {
    out_ << fmt::format("FAILED at {}: {}\n", failed->name, failed->diagnosis);
    err_ << fmt::format("strata objstore check: {}: {}\n", url, failed->diagnosis);
    err_ << fmt::format("  error: {}\n", failed->error->message());
    return kFailed;
  }
  if (!report.passed()) return kFailed;
  out_ << "PASSED: every operation tiered storage and backups need works on this store\n";
  return 0;
}

void Tool::print_object_line(const ObjectInfo& o) {
  out_ << fmt::format("{} {:>12} {}\n", time_text(o.last_modified_ms), o.size, o.key);
}

int Tool::ls() {
  const std::string& url = options_.urls.front();
  std::optional<OpenedUrl> opened = open(url, UrlRoot::bucket);
  if (!opened) return kFailed;
  objstore::ListOptions list;
  list.prefix = opened->path;
  if (!options_.recursive) list.delimiter = "/";
  for (;;) {
    result<objstore::ListPage> page = run_blocking(io_, opened->store->list(list));
    if (!page) return fail_error(url, page.error());
    for (const std::string& p : page->common_prefixes) out_ << fmt::format("{:>20} {:>12} {}\n", "", "PRE", p);
    for (const ObjectInfo& o : page->objects) print_object_line(o);
    if (!page->truncated() || page->continuation == list.continuation) break;
    list.continuation = page->continuation;
  }
  return 0;
}

int Tool::stat() {
  const std::string& url = options_.urls.front();
  std::optional<OpenedUrl> opened = open(url, UrlRoot::bucket);
  if (!opened) return kFailed;
  if (opened->path.empty()) return fail_error(url, Error(objstore::ObjstoreErrc::invalid_argument, "no object key"));
  result<ObjectInfo> head = run_blocking(io_, opened->store->head(opened->path));
  if (!head && head.error().is(objstore::ObjstoreErrc::not_found)) {
    return fail_error(url, Error(objstore::ObjstoreErrc::not_found, "no such object: " + opened->path));
  }
  if (!head) return fail_error(url, head.error());
  out_ << fmt::format("key: {}\nsize: {}\netag: {}\n", head->key, head->size, head->etag);
  if (head->crc32c) out_ << fmt::format("crc32c: {:08x}\n", *head->crc32c);
  out_ << fmt::format("last modified: {}\n", time_text(head->last_modified_ms));
  for (const auto& [k, v] : head->metadata) out_ << fmt::format("metadata {}: {}\n", k, v);
  return 0;
}

// The last component of a key or path ("a/b/c.log" -> "c.log").
std::string base_name(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

int Tool::cp() {
  const bool up = objstore::is_store_url(options_.destination);
  const bool down = objstore::is_store_url(options_.source);
  if (up == down) {
    fail("cp copies between a local file and a store URL: give exactly one URL");
    return kFailed;
  }
  asio::thread_pool files(kFileThreads);
  if (up) {
    std::optional<OpenedUrl> opened = open(options_.destination, UrlRoot::bucket);
    if (!opened) return kFailed;
    std::string key = opened->path;
    if (key.empty() || key.ends_with('/')) key += base_name(options_.source);
    objstore::CopyOptions copy;
    copy.chunk_size = options_.chunk_size;
    result<ObjectInfo> r = run_blocking(io_, objstore::upload_file(*opened->store, files, options_.source, key, copy));
    if (!r) return fail_error(options_.destination, r.error());
    out_ << fmt::format("upload: {} to {} ({} bytes)\n", options_.source, key, r->size);
    return 0;
  }
  std::optional<OpenedUrl> opened = open(options_.source, UrlRoot::bucket);
  if (!opened) return kFailed;
  fs::path target = options_.destination;
  std::error_code ec;
  if (fs::is_directory(target, ec)) target /= base_name(opened->path);
  result<objstore::GetResult> r = run_blocking(io_, objstore::download_file(*opened->store, files, opened->path, target));
  if (!r) return fail_error(options_.source, r.error());
  out_ << fmt::format("download: {} to {} ({} bytes)\n", opened->path, target.string(), r->length);
  return 0;
}

int Tool::rm() {
  int status = 0;
  for (const std::string& url : options_.urls) {
    std::optional<OpenedUrl> opened = open(url, UrlRoot::bucket);
    if (!opened) {
      status = kFailed;
      continue;
    }
    std::vector<std::string> keys;
    if (options_.recursive) {
      objstore::ListOptions list;
      list.prefix = opened->path;
      for (;;) {
        result<objstore::ListPage> page = run_blocking(io_, opened->store->list(list));
        if (!page) return fail_error(url, page.error());
        for (const ObjectInfo& o : page->objects) keys.push_back(o.key);
        if (!page->truncated() || page->continuation == list.continuation) break;
        list.continuation = page->continuation;
      }
    } else if (opened->path.empty() || opened->path.ends_with('/')) {
      fail(fmt::format("{}: not an object key (use --recursive to delete everything under a prefix)", url));
      status = kFailed;
      continue;
    } else {
      keys.push_back(opened->path);
    }
    const std::vector<std::string> asked = keys;
    result<std::vector<objstore::DeleteFailure>> r = run_blocking(io_, opened->store->remove_batch(std::move(keys)));
    if (!r) return fail_error(url, r.error());
    for (const objstore::DeleteFailure& f : *r) {
      fail(fmt::format("{}: {}", f.key, f.error.message()));
      status = kFailed;
    }
    out_ << fmt::format("deleted {} of {} object(s) under {}\n", asked.size() - r->size(), asked.size(), url);
  }
  return status;
}

void add_config_option(CLI::App* cmd, ObjstoreOptions& options) {
  cmd->add_option("--config", options.config_path,
                  "properties file with the broker's rsm.config.s3.* / gcs.* / azure.* keys (credentials, tuning)");
}

constexpr const char* kUrlHelp =
    "file:///dir[/key], s3://bucket[/key]?endpoint=..&region=..&path_style=true, gs://bucket[/key], "
    "azure://container[/key]?endpoint=..&account=..";

}  // namespace

CLI::App* add_objstore_command(CLI::App& app, ObjstoreOptions& options) {
  auto* cmd = app.add_subcommand("objstore", "Check an object store, and inspect and move its objects");
  cmd->require_subcommand(1);
  cmd->footer(std::string("URLs: ") + kUrlHelp +
              ". Credentials: --config, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or ~/.aws/credentials), "
              "AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY. Secrets are never printed.");

  options.check = cmd->add_subcommand(
      "check", "Self-test a store before enabling tiering or backups: put, get, ranged get, list, multipart, "
               "conditional create and delete of scratch objects, with latency and throughput; exits non-zero "
               "with a diagnosis on failure");
  options.check->add_option("url", options.urls, "the store (bucket and prefix)")->required()->expected(1);
  options.check->add_option("--small-size", options.small_size, "bytes of each small object")
      ->capture_default_str()->check(CLI::Range(2, 64 * 1024 * 1024));
  options.check->add_option("--small-count", options.small_count, "small objects written and read")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  options.check->add_option("--large-size", options.large_size, "bytes of the multipart object")
      ->capture_default_str()->check(CLI::Range(1ULL, 1ULL << 34));
  add_config_option(options.check, options);

  options.ls = cmd->add_subcommand("ls", "List the objects and prefixes under a URL");
  options.ls->add_option("url", options.urls, "bucket[/prefix]")->required()->expected(1);
  options.ls->add_flag("-r,--recursive", options.recursive, "list every key under the prefix, not one level");
  add_config_option(options.ls, options);

  options.stat = cmd->add_subcommand("stat", "Show an object's size, etag, checksum, time and metadata");
  options.stat->add_option("url", options.urls, "bucket/key")->required()->expected(1);
  add_config_option(options.stat, options);

  options.cp = cmd->add_subcommand("cp", "Copy a local file to a URL or an object to a local path, streamed");
  options.cp->add_option("source", options.source, "local file or URL")->required();
  options.cp->add_option("destination", options.destination,
                         "URL (ending in '/': the file's name is appended) or local path (a directory: the key's "
                         "name is appended)")
      ->required();
  options.cp->add_option("--chunk-size", options.chunk_size, "bytes read or written at a time")
      ->capture_default_str()->check(CLI::Range(1ULL, 1ULL << 30));
  add_config_option(options.cp, options);

  options.rm = cmd->add_subcommand("rm", "Delete objects (a missing key counts as deleted)");
  options.rm->add_option("urls", options.urls, "bucket/key ...")->required();
  options.rm->add_flag("-r,--recursive", options.recursive, "delete every object under each URL's prefix");
  add_config_option(options.rm, options);
  return cmd;
}

int run_objstore(const ObjstoreOptions& options, std::ostream& out, std::ostream& err) {
  Tool tool(options, out, err);
  if (!tool.load_config()) return kFailed;
  if (options.check->parsed()) return tool.check();
  if (options.ls->parsed()) return tool.ls();
  if (options.stat->parsed()) return tool.stat();
  if (options.cp->parsed()) return tool.cp();
  return tool.rm();
}

}  // namespace strata::cli

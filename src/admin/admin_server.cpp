// The admin HTTP server (admin.listener): GET /metrics (Prometheus text format, server/metrics.h)
// and GET /health. One request per connection (the response carries Connection: close); the request
// head is bounded (kMaxRequestHead) and must arrive within kRequestTimeout, so a slow or hostile
// client cannot hold memory or a connection for long.
#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "admin/admin_server.h"
#include "server/logging.h"

namespace strata::admin {

using server::log;
using server::LogLevel;

using asio::ip::tcp;

namespace {

constexpr size_t kMaxRequestHead = 8192;
constexpr auto kRequestTimeout = std::chrono::seconds(10);

std::string http_response(int status, std::string_view reason, std::string_view content_type, std::string_view body) {
  return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}", status,
                     reason, content_type, body.size(), body);
}

}  // namespace

result<std::unique_ptr<AdminServer>> AdminServer::start(server::Broker& broker) {
  std::unique_ptr<AdminServer> admin(new AdminServer(broker));
  for (const cluster::Listener& l : broker.config().admin_listeners) {
    STRATA_TRY_ASSIGN(auto acceptor, broker.listen_on(l, "admin.listener"));
    admin->ports_.push_back(acceptor->local_endpoint().port());
    log(LogLevel::info, "Admin HTTP (/metrics, /health) on http://{}:{}", l.host.empty() ? "0.0.0.0" : l.host,
        admin->ports_.back());
    admin->acceptors_.push_back(std::move(acceptor));
  }
  for (auto& acceptor : admin->acceptors_) {
    asio::co_spawn(broker.io(), admin->accept_loop(*acceptor), asio::detached);
  }
  AdminServer* self = admin.get();
  broker.on_stop([self] {
    std::error_code ec;
    for (auto& acceptor : self->acceptors_) acceptor->close(ec);
    for (tcp::socket* socket : self->open_) socket->close(ec);  // the loop then runs out of work
  });
  return admin;
}

std::string AdminServer::health_json() const {
  return fmt::format("{{\"status\":\"{}\",\"node_id\":{},\"cluster_id\":\"{}\",\"partitions\":{},\"uptime_ms\":{}}}\n",
                     broker_.stopping() ? "stopping" : "ok", broker_.config().node_id, broker_.metadata().cluster_id(),
                     broker_.all_partitions().size(), broker_.uptime_ms());
}

asio::awaitable<void> AdminServer::accept_loop(tcp::acceptor& acceptor) {
  while (!broker_.stopping()) {
    std::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (broker_.stopping() || ec == asio::error::operation_aborted) co_return;
      log(LogLevel::warn, "admin accept failed: {}", ec.message());
      continue;
    }
    asio::co_spawn(broker_.io(), serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> AdminServer::serve(tcp::socket accepted) {
  auto socket = std::make_shared<tcp::socket>(std::move(accepted));
  open_.insert(socket.get());
  asio::steady_timer timeout(broker_.io());
  timeout.expires_after(kRequestTimeout);
  timeout.async_wait([socket](const std::error_code& ec) {
    if (ec) return;  // cancelled: the request was answered
    std::error_code ignored;
    socket->close(ignored);
  });
  std::error_code ec;
  asio::streambuf head(kMaxRequestHead);
  co_await asio::async_read_until(*socket, head, "\r\n\r\n", asio::redirect_error(asio::use_awaitable, ec));
  std::string response;
  if (ec == asio::error::not_found) {
    response = http_response(431, "Request Header Fields Too Large", "text/plain", "request head too large\n");
  } else if (ec) {
    timeout.cancel();
    open_.erase(socket.get());
    co_return;  // closed, reset, or timed out
  } else {
    std::string request_line(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
    request_line = request_line.substr(0, request_line.find("\r\n"));
    // "GET /metrics HTTP/1.1": method, target (a query string is ignored), version.
    const size_t first_space = request_line.find(' ');
    const size_t second_space = request_line.find(' ', first_space + 1);
    const std::string method = request_line.substr(0, first_space);
    std::string target = first_space == std::string::npos
                             ? std::string()
                             : request_line.substr(first_space + 1, second_space - first_space - 1);
    target = target.substr(0, target.find('?'));
    if (method != "GET" && method != "HEAD") {
      response = http_response(405, "Method Not Allowed", "text/plain", "only GET is served\n");
    } else if (target == "/metrics") {
      std::string metrics = co_await broker_.render_metrics();
      response = http_response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", metrics);
    } else if (target == "/health") {
      response = broker_.stopping() ? http_response(503, "Service Unavailable", "application/json", health_json())
                                    : http_response(200, "OK", "application/json", health_json());
    } else {
      response = http_response(404, "Not Found", "text/plain", "try /metrics or /health\n");
    }
    if (method == "HEAD") response = response.substr(0, response.find("\r\n\r\n") + 4);
  }
  co_await asio::async_write(*socket, asio::buffer(response), asio::redirect_error(asio::use_awaitable, ec));
  timeout.cancel();
  socket->shutdown(tcp::socket::shutdown_both, ec);
  socket->close(ec);
  open_.erase(socket.get());
}

}  // namespace strata::admin

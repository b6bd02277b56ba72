#include "objstore/s3_digest.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace strata::objstore {

namespace {

void digest(const EVP_MD* md, bytes_view data, unsigned char* out) {
  unsigned int len = 0;
  // EVP_Digest fails only when out of memory; so would everything else.
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) std::abort();
}

}  // namespace

std::string sha256_hex(bytes_view data) {
  std::array<std::byte, 32> out;
  digest(EVP_sha256(), data, reinterpret_cast<unsigned char*>(out.data()));
  return to_hex(out);
}

Md5Digest md5(bytes_view data) {
  Md5Digest out;
  digest(EVP_md5(), data, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

struct Md5::Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Ctx() {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) != 1) std::abort();
  }
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

Md5::Md5() : ctx_(std::make_unique<Ctx>()) {}
Md5::~Md5() = default;
Md5::Md5(Md5&&) noexcept = default;
Md5& Md5::operator=(Md5&&) noexcept = default;

Md5::Md5(const Md5& other) : ctx_(std::make_unique<Ctx>()) {
  if (EVP_MD_CTX_copy_ex(ctx_->ctx, other.ctx_->ctx) != 1) std::abort();
}

Md5& Md5::operator=(const Md5& other) {
  if (this == &other) return *this;
  if (!ctx_) ctx_ = std::make_unique<Ctx>();  // moved from
  if (EVP_MD_CTX_copy_ex(ctx_->ctx, other.ctx_->ctx) != 1) std::abort();
  return *this;
}

void Md5::update(bytes_view data) {
  if (EVP_DigestUpdate(ctx_->ctx, data.data(), data.size()) != 1) std::abort();
}

Md5Digest Md5::finish() {
  Md5Digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->ctx, reinterpret_cast<unsigned char*>(out.data()), &len) != 1) std::abort();
  if (EVP_DigestInit_ex(ctx_->ctx, EVP_md5(), nullptr) != 1) std::abort();
  return out;
}

std::string to_hex(bytes_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::byte b : data) {
    out.push_back(kDigits[static_cast<unsigned>(b) >> 4]);
    out.push_back(kDigits[static_cast<unsigned>(b) & 0xF]);
  }
  return out;
}

std::string base64(bytes_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace strata::objstore

// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of Kafka's record
// batch v2 (org.apache.kafka.common.utils.Crc32C), with the usual pre- and post-inversion, so that
// compute("123456789") == 0xE3069283.
//
// extend() continues a finished checksum: extend(compute(a), b) == compute(a + b). It uses the
// SSE4.2 crc32 instruction when the CPU has it (chosen once, at the first call) and a portable
// slicing-by-8 table otherwise. Both paths are exposed so that tests can compare them directly.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace strata::crc32c {

// The checksum of the bytes of `data` appended to the bytes whose checksum is `crc`.
uint32_t extend(uint32_t crc, bytes_view data);

inline uint32_t compute(bytes_view data) { return extend(0, data); }

// True when extend() uses the CPU's crc32 instruction.
bool hardware_accelerated();

// The table-driven path; works everywhere.
uint32_t extend_portable(uint32_t crc, bytes_view data);

// The SSE4.2 path. Call only when hardware_accelerated() is true: on a CPU without SSE4.2 it
// executes an illegal instruction. On non-x86 builds it is the portable path.
uint32_t extend_hardware(uint32_t crc, bytes_view data);

}  // namespace strata::crc32c

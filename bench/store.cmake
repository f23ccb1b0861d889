# SPDX-License-Identifier: Apache-2.0
fcc_bench(bench_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_bench.c LIBS fcc_store fcc_port)
# The same figures with the storage engine's 256-entry CRC table (FCC_STORE_CRC_SMALL=0, the
# speed option of include/fcc/config.h; the library's default is the 16-entry table).
fcc_device_library(fcc_store_crc256 SOURCES ${PROJECT_SOURCE_DIR}/lib/store/store.c)
target_compile_definitions(fcc_store_crc256 PUBLIC FCC_STORE_CRC_SMALL=0)
fcc_bench(bench_store_crc256 SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_bench.c
          LIBS fcc_store_crc256 fcc_port)

# SPDX-License-Identifier: Apache-2.0
# Benchmark of the factory link: codec throughput, and round trip of a typical bundle over
# loopback TCP through fcc-device's session loop with a handler that does no work.
fcc_bench(bench_link_codec SOURCES ${CMAKE_CURRENT_LIST_DIR}/link_bench.c LIBS fcc_ftcd)
if(TARGET fcc_device_link)
  fcc_bench(bench_link_tcp SOURCES ${CMAKE_CURRENT_LIST_DIR}/link_bench.c
            ${PROJECT_SOURCE_DIR}/tests/integration/link_client.c
            LIBS fcc_device_link fcc_ftcd tools_common fcc_cbor pthread)
  target_include_directories(bench_link_tcp PRIVATE ${PROJECT_SOURCE_DIR}/tests/integration)
  target_compile_definitions(bench_link_tcp PRIVATE LINK_BENCH_TCP=1)
endif()

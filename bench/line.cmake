# SPDX-License-Identifier: Apache-2.0
# Factory-line throughput (fcu batch against fcc-device processes over loopback) for
# --parallel 1, 4 and 16, with the time split between tool, link and device.
if(TARGET fcu AND TARGET fcc-device)
  fcc_bench(line_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/line_bench.c)
  add_dependencies(line_bench fcu fcc-device)
endif()

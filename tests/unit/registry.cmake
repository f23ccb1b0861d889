# SPDX-License-Identifier: Apache-2.0
# Unit tests of fcu's provisioning registry (SQLite backend; the same binary runs against a real
# PostgreSQL server in tests/integration/registry_pg.cmake). The registry sources are compiled
# in directly so that the test does not depend on the fcu executable.
find_library(FCU_SQLITE_LIB sqlite3)
find_library(FCU_PQ_LIB pq)
find_path(FCU_PQ_INCLUDE libpq-fe.h PATH_SUFFIXES postgresql)
if(FCU_SQLITE_LIB AND FCU_PQ_LIB AND FCU_PQ_INCLUDE)
  fcc_test(unit_registry
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry_test.c
            ${PROJECT_SOURCE_DIR}/tools/fcu/lib/registry.c
            ${PROJECT_SOURCE_DIR}/tools/fcu/lib/registry_sqlite.c
            ${PROJECT_SOURCE_DIR}/tools/fcu/lib/registry_pg.c
    LIBS cmocka ${FCU_SQLITE_LIB} ${FCU_PQ_LIB} pthread
    TIMEOUT 120)
  target_include_directories(unit_registry PRIVATE ${FCU_PQ_INCLUDE})
endif()

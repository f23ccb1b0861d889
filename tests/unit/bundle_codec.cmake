# SPDX-License-Identifier: Apache-2.0
# Unit tests of the bundle handler's CBOR reader and response writer, built from their sources
# alone (no KCM needed but its status texts, which the status table shares).
fcc_test(unit_bundle_codec
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bundle_codec.c
          ${PROJECT_SOURCE_DIR}/lib/fcc/bundle_cbor.c
          ${PROJECT_SOURCE_DIR}/lib/fcc/response.c
          ${PROJECT_SOURCE_DIR}/lib/fcc/output.c
          ${PROJECT_SOURCE_DIR}/lib/fcc/status.c
          ${PROJECT_SOURCE_DIR}/lib/kcm/kcm_status.c
  LIBS fcc_cbor cmocka)

# SPDX-License-Identifier: Apache-2.0
# Bundle-handler vectors: tests/vectors/bundle/cases.txt and its bundles, made by
# scripts/gen-bundle-vectors.py, applied by vectors_bundle to fresh devices (RAM flash + KCM).
# Needs KCM (and so the storage engine).
if(TARGET fcc_kcm)
  fcc_test(vectors_bundle SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bundle_vectors.c
           LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls fcc_cbor
           ARGS ${CMAKE_CURRENT_LIST_DIR}/bundle TIMEOUT 300)
  # The same vectors with opaque CsrReqs keys (persistent PSA keys, KCM holding a reference):
  # CSRs checked against the PSA key, certificates matched with it through PSA.
  fcc_test(vectors_bundle_opaque SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bundle_vectors.c
           LIBS fcc_core_opaque fcc_kcm fcc_port fcc_mbedtls fcc_cbor
           ARGS ${CMAKE_CURRENT_LIST_DIR}/bundle TIMEOUT 300)
else()
  message(STATUS "tests/vectors/bundle: KCM not built yet; vectors_bundle skipped")
endif()

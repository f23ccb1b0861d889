# SPDX-License-Identifier: Apache-2.0
# `fcc-device --version` and `fcu --version`: the project's version and the crypto libraries
# each tool runs on (the mbedTLS 3.6 built here; OpenSSL 3 for fcu), with no other option.
string(REPLACE "." "\\." _fcc_ver_re "${PROJECT_VERSION}")
string(REPLACE "." "\\." _mbed_ver_re "${FCC_MBEDTLS_VERSION}")
if(TARGET fcc-device)
  add_test(NAME integration_version_fcc_device COMMAND fcc-device --version)
  set_tests_properties(integration_version_fcc_device PROPERTIES
      PASS_REGULAR_EXPRESSION "^fcc-device ${_fcc_ver_re}\nmbed TLS ${_mbed_ver_re}\n$")
endif()
if(TARGET fcu)
  add_test(NAME integration_version_fcu COMMAND fcu --version)
  set_tests_properties(integration_version_fcu PROPERTIES
      PASS_REGULAR_EXPRESSION "^fcu ${_fcc_ver_re}\nOpenSSL 3\\.[0-9]+\\.[0-9]+[^\n]*\nmbed TLS ${_mbed_ver_re} \\(framing\\)\nlibcbor [0-9.]+\nlibyaml [0-9.]+\nSQLite [0-9.]+\nlibpq [0-9.]+\n$")
endif()

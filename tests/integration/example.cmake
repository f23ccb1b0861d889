# SPDX-License-Identifier: Apache-2.0
# The README's minimal device integration (examples/device_minimal.c) is built and run here, on a
# bundle the device accepts and on one it refuses, so the example cannot rot.
add_executable(device_minimal ${PROJECT_SOURCE_DIR}/examples/device_minimal.c)
target_compile_options(device_minimal PRIVATE ${FCC_DEVICE_FLAGS})
target_compile_definitions(device_minimal PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(device_minimal PRIVATE fcc_core fcc_kcm fcc_store fcc_port)
add_test(NAME example_device_minimal_ok
         COMMAND device_minimal ${PROJECT_SOURCE_DIR}/tests/vectors/bundle/ok_full_bootstrap.1.cbor)
set_tests_properties(example_device_minimal_ok PROPERTIES
                     PASS_REGULAR_EXPRESSION "ReturnStatus 0, [0-9]+ response bytes, 0 warnings")
add_test(NAME example_device_minimal_refused
         COMMAND device_minimal ${PROJECT_SOURCE_DIR}/tests/vectors/bundle/err_cert_garbage.1.cbor)
set_tests_properties(example_device_minimal_refused PROPERTIES
                     PASS_REGULAR_EXPRESSION "ReturnStatus 18, .*error: Certificate parse failed:")

# The connect check example (examples/device_connect.c): provisions, then runs the check against
# a loopback port nobody listens on, which gets as far as the network (credentials loaded, the
# DTLS client set up, the ClientHello sent): status 7, the port refused the datagram.
if(TARGET fcc_connect)
  add_executable(device_connect ${PROJECT_SOURCE_DIR}/examples/device_connect.c)
  target_compile_options(device_connect PRIVATE ${FCC_DEVICE_FLAGS})
  target_compile_definitions(device_connect PRIVATE _POSIX_C_SOURCE=200809L)
  target_link_libraries(device_connect PRIVATE fcc_connect fcc_core fcc_kcm fcc_store fcc_port)
  add_test(NAME example_device_connect
           COMMAND device_connect ${PROJECT_SOURCE_DIR}/tests/vectors/bundle/ok_full_bootstrap.1.cbor
                   coaps://127.0.0.1:9 3)
  set_tests_properties(example_device_connect PROPERTIES
                       PASS_REGULAR_EXPRESSION "connect-check: status 7 \\(network-error\\)")
endif()

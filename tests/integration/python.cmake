# SPDX-License-Identifier: Apache-2.0
# The Python package over libfcu (pytest, tests/python), and the installed tree: libraries,
# headers, pkg-config and CMake packages used out of tree, the Python package installed with pip
# into a fresh virtual environment, and the demo factory tool provisioning a device.
if(TARGET fcu_shared AND TARGET fcc-device AND TARGET fcu)
  set(_py_env "FCU_LIBRARY=$<TARGET_FILE:fcu_shared>" "FCC_DEVICE=$<TARGET_FILE:fcc-device>"
      "FCU_TOOL=$<TARGET_FILE:fcu>" "PYTHONPATH=${PROJECT_SOURCE_DIR}/python"
      "PYTHONDONTWRITEBYTECODE=1")
  if(FCC_SANITIZE)
    # an instrumented libfcu in an uninstrumented Python: the sanitizer runtimes come first
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE _asan OUTPUT_STRIP_TRAILING_WHITESPACE)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so
                    OUTPUT_VARIABLE _ubsan OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND _py_env "LD_PRELOAD=${_asan} ${_ubsan}" "ASAN_OPTIONS=detect_leaks=0")
  endif()
  add_test(NAME python_api
           COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${PROJECT_SOURCE_DIR}/tests/python)
  set_tests_properties(python_api PROPERTIES ENVIRONMENT "${_py_env}" TIMEOUT 300
                       LABELS "integration;python")
  if(NOT FCC_SANITIZE)
    add_test(NAME integration_install
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/install.sh ${PROJECT_BINARY_DIR}
                     ${PROJECT_SOURCE_DIR})
    set_tests_properties(integration_install PROPERTIES TIMEOUT 600 LABELS "integration;install"
                         RUN_SERIAL TRUE)
  endif()
endif()

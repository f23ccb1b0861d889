# End-to-end tests of the factory line (fcu inject / batch / registry against fcc-device over
# loopback). Also: the line commands' link client (tools/fcu/link.c) decodes responses with the
# device library's framing codec, so fcu's objects need fcc_ftcd. (Lead: this belongs in
# tools/fcu/CMakeLists.txt; it is here so the line helper never edits the core's file.)
if(TARGET fcu_core AND TARGET fcc_ftcd)
  target_link_libraries(fcu_core PUBLIC fcc_ftcd)
endif()

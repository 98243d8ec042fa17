# Copies govuk-frontend's dist/govuk (SOURCE) to the build tree
# (DESTINATION), where raa-web finds it by default. Run at every build of
# raa-web; copies only what changed.
if(EXISTS ${SOURCE}/govuk-frontend.min.css)
  file(COPY ${SOURCE}/ DESTINATION ${DESTINATION})
else()
  message(WARNING "${SOURCE} is missing: run scripts/install-deps.sh (npm ci "
    "in clients/web); raa-web will refuse to start without --assets")
endif()

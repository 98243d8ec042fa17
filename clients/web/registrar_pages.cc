// The registrar pages of the web console (docs/web.md).
#include "clients/web/web_app.h"

namespace raa::web {

void WebApp::InstallRegistrarPages(httplib::Server& server) { (void)server; }

}  // namespace raa::web

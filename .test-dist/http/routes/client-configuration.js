import {
  deleteClient,
  readClient,
  updateClient
} from "../../protocol/registration/client-configuration.js";
import { clientConfigurationUri } from "../../protocol/registration/registration.js";
import { bearerToken } from "../bearer.js";
import { requireObjectBody } from "../json-body.js";
function clientConfigurationRoutes(app, context, endpoints) {
  const noStore = (reply) => reply.header("cache-control", "no-store").header("pragma", "no-cache");
  for (const { path, url } of endpoints) {
    const route = `${path}/*`;
    app.get(route, async (request, reply) => {
      const clientId = request.params["*"];
      if (clientId === "") return reply.callNotFound();
      const token = bearerToken(request.headers.authorization);
      return noStore(reply).send(await readClient(clientId, token, context, clientConfigurationUri(url, clientId)));
    });
    app.put(route, async (request, reply) => {
      const clientId = request.params["*"];
      if (clientId === "") return reply.callNotFound();
      const token = bearerToken(request.headers.authorization);
      const response = await updateClient(clientId, token, requireObjectBody(request), context, clientConfigurationUri(url, clientId));
      return noStore(reply).send(response);
    });
    app.delete(route, async (request, reply) => {
      const clientId = request.params["*"];
      if (clientId === "") return reply.callNotFound();
      await deleteClient(clientId, bearerToken(request.headers.authorization), context);
      return noStore(reply).code(204).send();
    });
  }
}
export {
  clientConfigurationRoutes
};
//# sourceMappingURL=client-configuration.js.map

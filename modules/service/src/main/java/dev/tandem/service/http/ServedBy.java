package dev.tandem.service.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Which host, zone and version answered: added to every API answer, body and headers. */
public record ServedBy(String host, String zone, String version) {

  public static final String HOST_HEADER = "X-Tandem-Host";
  public static final String ZONE_HEADER = "X-Tandem-Zone";
  public static final String VERSION_HEADER = "X-Tandem-Version";

  public JsonObject addTo(JsonObject body) {
    return body.put("host", host).put("zone", zone).put("version", version);
  }

  public void addHeaders(HttpServerResponse response) {
    response.putHeader(HOST_HEADER, host).putHeader(ZONE_HEADER, zone).putHeader(VERSION_HEADER, version);
  }
}

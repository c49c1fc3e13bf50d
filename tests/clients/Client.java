// Java's own HTTP client, run by tests/clients/tls.test.mjs as `java Client.java [PROXY] URL`:
// GETs URL (through the HTTP proxy HOST:PORT when given) and prints the status code, then the
// body. It trusts what -Djavax.net.ssl.trustStore holds and checks the URL's host name, as
// every Java program (and WSO2) does.

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class Client {
    public static void main(String[] args) throws Exception {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (args.length == 2) {
            String[] proxy = args[0].split(":");
            builder.proxy(ProxySelector.of(new InetSocketAddress(proxy[0], Integer.parseInt(proxy[1]))));
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(args[args.length - 1]))
                .timeout(Duration.ofSeconds(15))
                .build();
        HttpResponse<String> response = builder.build().send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(response.statusCode());
        System.out.print(response.body());
    }
}

// Java's own HTTP client, run by tests/clients/tls.test.mjs as
// `java Client.java PROXY URL [PROXY URL]...`: GETs each URL, through the HTTP proxy HOST:PORT
// or directly for "-", and prints "STATUS URL" and the body of each. It trusts what
// -Djavax.net.ssl.trustStore holds and checks the URL's host name, as every Java program (and
// WSO2) does.

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class Client {
    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
            if (!args[i].equals("-")) {
                String[] proxy = args[i].split(":");
                builder.proxy(ProxySelector.of(new InetSocketAddress(proxy[0], Integer.parseInt(proxy[1]))));
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(args[i + 1]))
                    .timeout(Duration.ofSeconds(15))
                    .build();
            HttpResponse<String> response = builder.build().send(request, HttpResponse.BodyHandlers.ofString());
            System.out.println(response.statusCode() + " " + args[i + 1]);
            System.out.print(response.body());
        }
    }
}

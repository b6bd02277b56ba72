// Creates a container on Azurite with a SharedKey-signed Create Container request (the setup of
// the azurite_start fixture; Azurite's well-known development account). Exits non-zero on failure;
// an existing container is fine.
//
//   node azurite_create_container.js ENDPOINT CONTAINER
"use strict";
const crypto = require("crypto");
const http = require("http");

const [endpoint, container] = process.argv.slice(2);
const account = "devstoreaccount1";
const key = Buffer.from(
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", "base64");
const url = new URL(`${endpoint}/${container}?restype=container`);
const date = new Date().toUTCString();
const version = "2021-08-06";
const stringToSign = ["PUT", "", "", "", "", "", "", "", "", "", "", ""].join("\n") + "\n" +
  `x-ms-date:${date}\nx-ms-version:${version}\n` + `/${account}${url.pathname}\nrestype:container`;
const signature = crypto.createHmac("sha256", key).update(stringToSign, "utf8").digest("base64");
const request = http.request(url, {
  method: "PUT",
  headers: {
    "x-ms-date": date,
    "x-ms-version": version,
    "Content-Length": "0",
    Authorization: `SharedKey ${account}:${signature}`,
  },
}, (response) => {
  let body = "";
  response.on("data", (d) => (body += d));
  response.on("end", () => {
    if (response.statusCode === 201 || response.statusCode === 409) process.exit(0);
    console.error(`create container ${container}: HTTP ${response.statusCode} ${body}`);
    process.exit(1);
  });
});
request.on("error", (e) => {
  console.error(`create container ${container}: ${e.message}`);
  process.exit(1);
});
request.end();

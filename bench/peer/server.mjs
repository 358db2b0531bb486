// The peer of bench/peer.py: Apollo Server 5 with per-request DataLoaders over the same prepared data set and
// catalogue, serving the project's schema.graphql with resolvers for the fields of the bench queries.
//
// Run: node server.mjs VERSION_DIR PORT   (VERSION_DIR: the served version of a prepared data set, with
// vehicles.jsonl and service_events.jsonl; the catalogue is read from ../../catalog/data)

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import DataLoader from "dataloader";

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error("usage: node server.mjs VERSION_DIR PORT");
  process.exit(2);
}
const catalogDir = fileURLToPath(new URL("../../catalog/data/", import.meta.url));

const catalogue = (name) => JSON.parse(readFileSync(join(catalogDir, `${name}.json`), "utf8"));
const byCode = (rows) => new Map(rows.map((row) => [row.code, row]));
const lines = (name) =>
  readFileSync(join(dataDir, name), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));

// the whole data set in memory, like the embedded store
const brands = byCode(catalogue("brands"));
const models = byCode(catalogue("models"));
const markets = byCode(catalogue("markets"));
const engines = byCode(catalogue("engines"));
const oilNorms = byCode(catalogue("oil_norms"));
const serviceItems = byCode(catalogue("service_items"));
const vehicles = new Map(lines("vehicles.jsonl").map((v) => [v.vin, v]));
const events = new Map();
for (const event of lines("service_events.jsonl")) {
  if (!events.has(event.vin)) events.set(event.vin, []);
  events.get(event.vin).push(event);
}
const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
for (const history of events.values()) {
  // oldest first: date, odometer, event id
  history.sort((a, b) => compare(a.date, b.date) || a.odometer - b.odometer || compare(a.eventId, b.eventId));
}

// the project's own schema, whole: the same types, and the same documents valid on both servers
const typeDefs = readFileSync(fileURLToPath(new URL("../../schema.graphql", import.meta.url)), "utf8");

// one set of loaders per request, each with an async batch function over the in-memory maps
const loaders = () => ({
  vehicleByVin: new DataLoader(async (vins) => vins.map((vin) => vehicles.get(vin) ?? null)),
  eventsByVin: new DataLoader(async (vins) => vins.map((vin) => events.get(vin) ?? [])),
  engineByCode: new DataLoader(async (codes) =>
    codes.map((code) => engines.get(code) ?? new Error(`Engine ${code} is not in the technical data.`)),
  ),
  oilNormByCode: new DataLoader(async (codes) => codes.map((code) => oilNorms.get(code) ?? null)),
});

const resolvers = {
  Query: {
    vehicle: (_, { vin }, { loaders }) => loaders.vehicleByVin.load(vin.toUpperCase()),
    vehicles: (_, { vins }, { loaders }) => loaders.vehicleByVin.loadMany(vins.map((vin) => vin.toUpperCase())),
  },
  Vehicle: {
    brand: (vehicle) => brands.get(models.get(vehicle.modelCode).brandCode),
    model: (vehicle) => models.get(vehicle.modelCode),
    market: (vehicle) => markets.get(vehicle.market),
    engine: (vehicle, _, { loaders }) => loaders.engineByCode.load(vehicle.engineCode),
    serviceEvents: (vehicle, _, { loaders }) => loaders.eventsByVin.load(vehicle.vin),
  },
  Engine: {
    oilCapacityLitres: (engine) => engine.oilCapacityL,
    oilNorms: async (engine, _, { loaders }) => {
      const codes = [...new Set([...(engine.oilSpecFixed ?? []), ...(engine.oilSpecFlex ?? [])])];
      return (await loaders.oilNormByCode.loadMany(codes)).filter((norm) => norm !== null);
    },
  },
  ServiceEvent: {
    id: (event) => event.eventId,
  },
  ServiceEventItem: {
    code: (item) => item.itemCode,
    name: (item) => serviceItems.get(item.itemCode)?.name ?? (item.note || item.itemCode),
  },
};

const server = new ApolloServer({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(port) },
  context: async () => ({ loaders: loaders() }),
});
console.log(`peer ready at ${url}: ${vehicles.size} vehicles`);

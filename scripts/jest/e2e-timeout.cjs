// Kafka end-to-end tests wait on a real broker: give them time (jest 29 ignores testTimeout per project).
jest.setTimeout(120_000);

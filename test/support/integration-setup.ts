// Integration tests start real processes on a shared 2-core machine: give each test room.
jest.setTimeout(180_000);

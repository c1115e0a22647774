// Records one invocation, so tests can count what API Gateway would bill.
const fs = require("fs");
const path = require("path");
module.exports = (name) => {
  fs.appendFileSync(path.join(process.env.COUNT_DIR, name), "x");
};

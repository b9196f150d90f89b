// Blobs of dense_resource attributes that do not read: bad hex, no alignment, keys used and
// never defined, a key defined twice with other data, values that are not blobs.
// RUN: strata-opt --split-input-file --verify-diagnostics --allow-unregistered-dialect %s

"t.op"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      // expected-error@+1 {{the hex string blob for key 'w' has an odd number of digits}}
      w: "0x010000000A0"
    }
  }
#-}

// -----

"t.op"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      // expected-error@+1 {{expected a hex digit in the blob for key 'w', found 'g'}}
      w: "0x010000000A0g"
    }
  }
#-}

// -----

"t.op"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      // expected-error@+1 {{expected hex string blob for key 'w' to encode alignment in first 4 bytes}}
      w: "0x0100"
    }
  }
#-}

// -----

"t.op"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      // expected-error@+1 {{but got non-power-of-2 value: 6}}
      w: "0x060000000A0B"
    }
  }
#-}

// -----

"t.op"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      // expected-error@+1 {{expected hex string blob for key 'w'}}
      w: "text, not hex"
    }
  }
#-}

// -----

"t.op"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      w: "0x010000000A0B",
      // expected-error@+1 {{resource 'w' is defined twice with different data (first on line}}
      w: "0x010000000A0C"
    }
  }
#-}

// -----

// expected-error@+1 {{dense_resource key 'missing' is not defined in the file's dialect_resources section}}
"t.op"() {v = [1, dense_resource<missing> : tensor<2xi8>]} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      other: "0x010000000A0B"
    }
  }
#-}

// -----

"t.op"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()
{-#
  dialect_resources: {
    builtin: {
      // expected-error@+1 {{expected a string or boolean resource value, found '42'}}
      w: 42
    }
  }
#-}

// -----

"t.op"() : () -> ()
{-#
  dialect_resources: {
    builtin: {
      w: "0x010000000A0B"
    }
  }
// expected-error@+1 {{expected '#-}', found end of file}}

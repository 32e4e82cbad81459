package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/samtykke/samtykke/server/seal"
)

// errNotCovered makes `consentd verify` exit with status 1 when a receipt
// is not covered by a valid checkpoint, after it printed which.
var errNotCovered = errors.New("not every receipt is covered by a valid checkpoint")

// runVerify is `consentd verify [-keys FILE] [-json] FILE`: it checks a
// proof bundle or an NDJSON export offline, prints a line per receipt and
// names the first that is not covered. Without -keys the file's own keys
// are used, which shows only that the file is consistent with itself; give
// the server's published keys (its /.well-known/samtykke-seal-keys.json,
// saved) to tie it to the server.
func runVerify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("consentd verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keysFile := fs.String("keys", "", "the server's public keys, as served at "+seal.WellKnownPath+" (default: the keys in FILE)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: consentd verify [-keys FILE] [-json] FILE\n\nChecks a proof bundle or an NDJSON receipt export: exit status 0 only when every receipt in it is covered by a valid checkpoint.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("verify: name one file")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	var trusted seal.KeySet
	if *keysFile != "" {
		raw, err := os.ReadFile(*keysFile)
		if err != nil {
			return fmt.Errorf("verify: -keys: %w", err)
		}
		var published struct {
			Keys []seal.PublicKey `json:"keys"`
		}
		if err := json.Unmarshal(raw, &published); err != nil {
			return fmt.Errorf("verify: -keys %s: %w", *keysFile, err)
		}
		if trusted, err = seal.NewKeySet(published.Keys); err != nil {
			return fmt.Errorf("verify: -keys %s: %w", *keysFile, err)
		}
	}
	rep, err := seal.Verify(data, trusted)
	if err != nil {
		return fmt.Errorf("verify: %s: %w", fs.Arg(0), err)
	}
	if *asJSON {
		out, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(stdout, "%s\n", out)
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "checkpoint problem: %s\n", p)
		}
		for _, r := range rep.Results {
			switch {
			case r.Status == seal.NotCovered:
				fmt.Fprintf(stdout, "NOT COVERED  receipt %s (seq %d): %s\n", r.ReceiptID, r.Seq, r.Reason)
			case r.Status == seal.Erased:
				fmt.Fprintf(stdout, "erased       receipt %s (seq %d): its sealed hash is in checkpoint %d\n", r.ReceiptID, r.Seq, r.Checkpoint)
			default:
				fmt.Fprintf(stdout, "ok           receipt %s (seq %d) in checkpoint %d\n", r.ReceiptID, r.Seq, r.Checkpoint)
			}
		}
		fmt.Fprintf(stdout, "%s: %d receipts, %d erased, %d checkpoints\n", rep.Kind, rep.Receipts, rep.Erased, rep.Checkpoints)
		if rep.FirstFailed != nil {
			fmt.Fprintf(stdout, "FAILED: first receipt not covered: %s (%s)\n", rep.FirstFailed.ReceiptID, rep.FirstFailed.Reason)
		} else {
			fmt.Fprintln(stdout, "OK: every receipt is covered by a valid checkpoint")
		}
	}
	if !rep.OK {
		return errNotCovered
	}
	return nil
}

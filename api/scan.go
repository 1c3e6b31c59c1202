package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

// Malware scanning (Config.MalwareScanning). GuardDuty Malware Protection for S3 scans
// each uploaded object and tags it GuardDutyMalwareScanStatus = NO_THREATS_FOUND,
// THREATS_FOUND, UNSUPPORTED, ACCESS_DENIED or FAILED. An object is readable in S3 as
// soon as it arrives, so the signer is the gate: it signs a file only when its object
// carries NO_THREATS_FOUND.
//
// Order, and the audit: without scanning one statement decides, checks the file and
// writes the audit row (Store.IssueDownload). The tag check needs the object key,
// which only that decision yields (the customer's prefix is in the database), and a
// refused file must leave no audit row. So with scanning the statement is split in
// two, using what the store already offers: Store.AuthorizeDownload (the same
// decision and file check, without the audit row) gives the key, the tag is read
// (presign.ScanStatus), and only for a clean file Store.Audit writes the row, before
// anything is signed. Two round trips to the database instead of one, and only when
// scanning is on; computing the key in the handler would duplicate the store's rule
// (prefix and path) and still need the prefix from the database.
//
// Folder cookies are refused (409 scanning_folders) before any dependency is called:
// a wildcard signature grants every object under the folder, those not scanned yet,
// those found infected and those uploaded after the cookies were issued, and
// CloudFront cannot read an object's tags when it serves it. One file's URL or
// cookies grant that one object, checked here.
//
// What the check cannot cover: a signed URL names a key, not a version. If the file
// is deleted and a new object is uploaded to the same path while a URL issued for the
// old one is still valid (at most MaxDownloadLifetime), that URL serves the new
// object before it is scanned. A bucket policy that denies s3:GetObject unless the
// object's GuardDutyMalwareScanStatus tag is NO_THREATS_FOUND closes that gap at the
// origin (package constructs/malwarescan describes it).

var (
	errScanning   = &apiError{http.StatusConflict, codeScanning, "the file is still being scanned for malware; try again in a minute"}
	errInfected   = &apiError{http.StatusConflict, codeInfected, "the file was found to contain malware and cannot be shared"}
	errNotScanned = &apiError{http.StatusConflict, codeNotScanned,
		"the file could not be scanned for malware, so it cannot be shared; ask your administrator"}
	errScanningFolders = &apiError{http.StatusConflict, codeScanningFolders,
		"folder cookies are not issued while malware scanning is on: they would grant files that were not checked; ask for each file (scope \"file\")"}
)

// issueFile authorizes the download of the available file at path and writes its
// audit row e: one statement without scanning; with scanning, the decision, the
// object's scan tag, then the audit row only for a clean file (see above).
func (h *Handler) issueFile(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, path string, e store.AuditEntry) (store.Decision, store.File, error) {
	if !h.Config.MalwareScanning {
		return h.Store.IssueDownload(ctx, p, path, e)
	}
	d, f, err := h.Store.AuthorizeDownload(ctx, p, path)
	if err != nil {
		return d, f, err
	}
	if err := h.checkScan(ctx, p, req, path, d.Key); err != nil {
		return d, f, err
	}
	e.Path, e.Action = path, store.Read
	if err := h.Store.Audit(ctx, p, e); err != nil {
		return d, f, err
	}
	return d, f, nil
}

// checkScan answers nil only when the object at key is tagged clean.
func (h *Handler) checkScan(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, path, key string) error {
	status, err := h.Uploads.ScanStatus(ctx, key)
	if errors.Is(err, presign.ErrNotFound) {
		// The database has an available file whose object is gone: no file to give.
		return fmt.Errorf("%w: the object of an available file is missing from storage: %w", store.ErrNotFound, err)
	}
	if err != nil {
		return err
	}
	switch status {
	case presign.ScanClean:
		return nil
	case "":
		return errScanning
	case presign.ScanThreatsFound:
		h.logger().WarnContext(ctx, "download refused: GuardDuty found malware in the file",
			"apiRequestId", req.RequestContext.RequestID, "customer", p.CustomerID, "path", path)
		h.countCustomer(ctx, MetricInfectedFiles, p)
		return errInfected
	case presign.ScanUnsupported, presign.ScanAccessDenied, presign.ScanFailed:
		h.logger().InfoContext(ctx, "download refused: the file was not scanned", "scanStatus", status, "path", path)
	default:
		// A value GuardDuty does not document: not clean, so not served.
		h.logger().WarnContext(ctx, "download refused: unknown malware scan status", "path", path)
	}
	return errNotScanned
}

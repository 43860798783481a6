import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/**
 * The otpauth:// URI as a QR code an authenticator app scans, drawn in the browser as SVG: the
 * secret it holds goes to no other service.
 */
export function TotpQr({ uri }: { uri: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then(
      (drawn) => current && setSvg(drawn),
      () => current && setSvg(null),
    );
    return () => {
      current = false;
    };
  }, [uri]);
  if (!svg) return null;
  return (
    <img
      className="totp-qr"
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      alt="QR code to scan with an authenticator app"
      width={200}
      height={200}
      data-testid="totp-qr"
    />
  );
}

namespace NycTaxi;

/// <summary>The 2016 TLC yellow-trip columns, in file order, and the types the loader forces for them.</summary>
public static class TaxiSchema
{
    public const string VendorId = "VendorID";
    public const string Pickup = "tpep_pickup_datetime";
    public const string Dropoff = "tpep_dropoff_datetime";
    public const string PassengerCount = "passenger_count";
    public const string TripDistance = "trip_distance";
    public const string PickupLongitude = "pickup_longitude";
    public const string PickupLatitude = "pickup_latitude";
    public const string RateCode = "RatecodeID";
    public const string StoreAndForward = "store_and_fwd_flag";
    public const string DropoffLongitude = "dropoff_longitude";
    public const string DropoffLatitude = "dropoff_latitude";
    public const string PaymentType = "payment_type";

    public static readonly string[] Money = ["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge", "total_amount"];

    public static readonly string[] Columns =
    [
        VendorId, Pickup, Dropoff, PassengerCount, TripDistance, PickupLongitude, PickupLatitude, RateCode,
        StoreAndForward, DropoffLongitude, DropoffLatitude, PaymentType, .. Money,
    ];

    /// <summary>Bytes a row takes in far memory once loaded (longs, doubles and ticks of 8 bytes, the flag's 4-byte code).</summary>
    public const int StoredBytesPerRow = (18 * 8) + 4;

    /// <summary>Types for a real file: forced, so a file whose first rows are odd still loads with the schema's types.</summary>
    public static FarMemory.DataFrames.FarCsvOptions CsvOptions()
    {
        var options = new FarMemory.DataFrames.FarCsvOptions();
        foreach (string c in Columns)
        {
            options.ColumnTypes[c] = c switch
            {
                VendorId or PassengerCount or RateCode or PaymentType => typeof(long),
                Pickup or Dropoff => typeof(DateTime),
                StoreAndForward => typeof(string),
                _ => typeof(double),
            };
        }

        return options;
    }
}
